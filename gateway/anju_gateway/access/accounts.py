"""Creating accounts and resetting passwords: the one set of rules the CLI (``anju gateway
create-user``) and the admin pages (``/api/v1/users``) share.

- an officer needs a precinct; a property manager needs a compound;
- a precinct or compound named must exist; a compound and precinct given together must agree;
- a password has at least :data:`MIN_PASSWORD` characters and is stored hashed (argon2).
"""

from __future__ import annotations

from anju_gateway.access.security import hash_password
from anju_gateway.store.compounds import get_compound, precinct_exists
from anju_gateway.store.db import Conn
from anju_gateway.store.users import Role, User, create_user, set_password

MIN_PASSWORD = 8


class AccountError(ValueError):
    """A refused account; the message says why in Chinese and English."""


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(
            f"密码至少 {MIN_PASSWORD} 位 / password must have at least {MIN_PASSWORD} characters"
        )


def check_role_fields(role: Role, precinct_id: str | None, compound_id: str | None) -> None:
    """What the CLI checks before it asks for a password (no database needed)."""
    if role is Role.officer and not precinct_id:
        raise AccountError("民警须属于一个派出所 / an officer needs a precinct")
    if role is Role.property_manager and not compound_id:
        raise AccountError("物业账号须属于一个小区 / a property manager needs a compound")


def check_places(conn: Conn, precinct_id: str | None, compound_id: str | None) -> None:
    if precinct_id and not precinct_exists(conn, precinct_id=precinct_id):
        raise AccountError(f"没有这个派出所 / no precinct {precinct_id!r}")
    if compound_id:
        compound = get_compound(conn, compound_id=compound_id)
        if compound is None:
            raise AccountError(f"没有这个小区 / no compound {compound_id!r}")
        if precinct_id and compound.precinct_id != precinct_id:
            raise AccountError("小区不属于所选派出所 / the compound is not in that precinct")


def save_account(
    conn: Conn,
    *,
    username: str,
    role: Role,
    password: str,
    now: str,
    display_name: str = "",
    precinct_id: str | None = None,
    compound_id: str | None = None,
) -> User:
    """Create the account, or reset an existing one's password and role (sessions end)."""
    check_role_fields(role, precinct_id, compound_id)
    check_password(password)
    check_places(conn, precinct_id, compound_id)
    return create_user(
        conn,
        username=username,
        password_hash=hash_password(password),
        role=role,
        now=now,
        display_name=display_name,
        precinct_id=precinct_id,
        compound_id=compound_id,
    )


def reset_password(conn: Conn, *, username: str, password: str) -> bool:
    """False when there is no such user; the user's sessions end either way."""
    check_password(password)
    return set_password(conn, username=username, password_hash=hash_password(password))
