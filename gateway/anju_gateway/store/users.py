"""People who log in, and their console sessions."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlite_utils import Database as SUDatabase
from sqlite_utils.migrations import Migrations

from anju_gateway.store.db import Conn, Row

migrations = Migrations("gateway.users")


class Role(StrEnum):
    admin = "admin"
    supervisor = "supervisor"
    officer = "officer"
    property_manager = "property_manager"
    installer = "installer"


@migrations()
def m001_create(db: SUDatabase) -> None:
    db.execute(
        """CREATE TABLE users (
            username TEXT PRIMARY KEY,
            display_name TEXT NOT NULL DEFAULT '',
            password_hash TEXT NOT NULL,
            role TEXT NOT NULL,
            precinct_id TEXT REFERENCES precincts(id),
            compound_id TEXT REFERENCES compounds(id),
            created_at TEXT NOT NULL,
            disabled INTEGER NOT NULL DEFAULT 0
        )"""
    )
    db.execute(
        """CREATE TABLE sessions (
            token_hash TEXT PRIMARY KEY,
            username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL
        )"""
    )


@dataclass(frozen=True, slots=True)
class User:
    username: str
    display_name: str
    role: Role
    precinct_id: str | None
    compound_id: str | None


def _user(row: Row) -> User:
    return User(
        username=row["username"],
        display_name=row["display_name"],
        role=Role(row["role"]),
        precinct_id=row["precinct_id"],
        compound_id=row["compound_id"],
    )


def create_user(
    conn: Conn,
    *,
    username: str,
    password_hash: str,
    role: Role,
    now: str,
    display_name: str = "",
    precinct_id: str | None = None,
    compound_id: str | None = None,
) -> User:
    before = conn.execute(
        "SELECT password_hash FROM users WHERE username = ?", (username,)
    ).fetchone()
    if before is not None and before[0] != password_hash:
        # A password reset logs the user out everywhere (a lost phone, a leaked password).
        conn.execute("DELETE FROM sessions WHERE username = ?", (username,))
    conn.execute(
        "INSERT INTO users (username, display_name, password_hash, role, precinct_id, "
        "compound_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(username) DO UPDATE SET display_name = excluded.display_name, "
        "password_hash = excluded.password_hash, role = excluded.role, "
        "precinct_id = excluded.precinct_id, compound_id = excluded.compound_id, disabled = 0",
        (username, display_name, password_hash, role.value, precinct_id, compound_id, now),
    )
    return User(username, display_name, role, precinct_id, compound_id)


def get_login(conn: Conn, *, username: str) -> tuple[User, str] | None:
    row = conn.execute(
        "SELECT * FROM users WHERE username = ? AND disabled = 0", (username,)
    ).fetchone()
    return (_user(row), row["password_hash"]) if row else None


def create_session(
    conn: Conn, *, token_hash: str, username: str, now: str, expires_at: str
) -> None:
    conn.execute(
        "INSERT INTO sessions (token_hash, username, created_at, expires_at) VALUES (?, ?, ?, ?)",
        (token_hash, username, now, expires_at),
    )


def session_user(conn: Conn, *, token_hash: str, now: str) -> User | None:
    row = conn.execute(
        "SELECT u.* FROM sessions s JOIN users u ON u.username = s.username "
        "WHERE s.token_hash = ? AND s.expires_at > ? AND u.disabled = 0",
        (token_hash, now),
    ).fetchone()
    return _user(row) if row else None


def delete_session(conn: Conn, *, token_hash: str) -> None:
    conn.execute("DELETE FROM sessions WHERE token_hash = ?", (token_hash,))


@dataclass(frozen=True, slots=True)
class StaffRow:
    username: str
    display_name: str
    password_hash: str


def staff_of_compound(conn: Conn, *, compound_id: str) -> list[StaffRow]:
    """Enabled property-manager accounts of a compound (for the offline gate console)."""
    rows = conn.execute(
        "SELECT username, display_name, password_hash FROM users "
        "WHERE role = 'property_manager' AND compound_id = ? AND disabled = 0 "
        "ORDER BY username",
        (compound_id,),
    ).fetchall()
    return [StaffRow(r[0], r[1], r[2]) for r in rows]


@dataclass(frozen=True, slots=True)
class Account:
    """A user as the admin pages list them (never the password hash)."""

    user: User
    created_at: str
    disabled: bool


def list_accounts(conn: Conn) -> list[Account]:
    rows = conn.execute("SELECT * FROM users ORDER BY role, username").fetchall()
    return [Account(_user(r), r["created_at"], bool(r["disabled"])) for r in rows]


def user_exists(conn: Conn, *, username: str) -> bool:
    found = conn.execute("SELECT 1 FROM users WHERE username = ?", (username,)).fetchone()
    return found is not None


def set_password(conn: Conn, *, username: str, password_hash: str) -> bool:
    """A new password; the user's sessions end (a lost phone, a leaked password)."""
    done = conn.execute(
        "UPDATE users SET password_hash = ? WHERE username = ?", (password_hash, username)
    ).rowcount
    conn.execute("DELETE FROM sessions WHERE username = ?", (username,))
    return done > 0


def set_disabled(conn: Conn, *, username: str, disabled: bool) -> bool:
    """Disable (log in no more, sessions end at once) or enable an account."""
    done = conn.execute(
        "UPDATE users SET disabled = ? WHERE username = ?", (int(disabled), username)
    ).rowcount
    if disabled:
        conn.execute("DELETE FROM sessions WHERE username = ?", (username,))
    return done > 0


def user_names(conn: Conn, usernames: set[str]) -> dict[str, str]:
    """Username -> the name shown in consoles (its display name, or the username)."""
    if not usernames:
        return {}
    marks = ",".join("?" * len(usernames))
    rows = conn.execute(
        f"SELECT username, COALESCE(NULLIF(display_name, ''), username) FROM users "
        f"WHERE username IN ({marks})",
        tuple(usernames),
    ).fetchall()
    return {r[0]: r[1] for r in rows}
