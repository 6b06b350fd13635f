"""Login throttling shared by every replica (failures in the database, see store/logins.py).

Two limits, as before: a user name tried from one address (guessing one account) and one
address trying any names (spraying). Each allows ``max`` failures within the window; the next
attempt waits until the oldest of those leaves the window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from anju_contracts import format_ts
from anju_contracts.common import parse_ts
from anju_gateway.store import logins
from anju_gateway.store.db import Conn, Database


@dataclass(frozen=True, slots=True)
class LoginThrottle:
    max_per_user: int
    max_per_address: int
    window_s: float

    @staticmethod
    def user_key(username: str, address: str) -> str:
        return f"user:{username}@{address}"

    @staticmethod
    def address_key(address: str) -> str:
        return f"addr:{address}"

    def retry_after(self, db: Database, username: str, address: str, now: datetime) -> float:
        """Seconds before this login may be tried (0: now)."""
        since = format_ts(now - timedelta(seconds=self.window_s))
        conn = db.conn()
        wait = 0.0
        for key, limit in ((self.user_key(username, address), self.max_per_user),
                           (self.address_key(address), self.max_per_address)):  # fmt: skip
            nth = logins.nth_latest(conn, key=key, since=since, n=limit)
            if nth is not None:
                left = self.window_s - (now - parse_ts(nth)).total_seconds()
                wait = max(wait, left)
        return max(0.0, wait)

    def failed(self, db: Database, username: str, address: str, now: datetime) -> None:
        with db.write() as conn:
            logins.record(
                conn,
                keys=(self.user_key(username, address), self.address_key(address)),
                at=format_ts(now),
                forget_before=format_ts(now - timedelta(seconds=self.window_s)),
            )

    def succeeded(self, conn: Conn, username: str, address: str) -> None:
        """In the caller's write (the one opening the session)."""
        logins.clear(conn, key=self.user_key(username, address))
