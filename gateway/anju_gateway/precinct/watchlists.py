"""Watchlist rules: who may list, add and remove entries, and what each edge receives.

Scope decision (docs/watchlists.md): an entry belongs to one precinct or is global.
- admin and city-wide supervisors (no precinct): see every entry; add global entries or entries
  of any precinct; remove any entry.
- officers and precinct supervisors: see global entries and their precinct's; add entries only
  for their own precinct; remove only their precinct's entries.
- property managers and installers: no access (403).
An edge receives the global entries plus those of its compound's precinct.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from anju_contracts import EdgeSync, StaffAccount, WatchlistEntry, WatchlistKind, format_ts
from anju_contracts.plates import PlateError, normalise_credential, normalise_plate
from anju_gateway.store.compounds import get_compound
from anju_gateway.store.users import Role, User
from anju_gateway.store.watchlists import WatchRow, active_entries, staff_rows

WATCHLIST_ROLES = (Role.admin, Role.supervisor, Role.officer)


class WatchlistDenied(PermissionError):
    pass


@dataclass(frozen=True, slots=True)
class WatchScope:
    precinct_ids: tuple[str, ...] | None  # None: all entries
    may_add_global: bool

    def may_touch(self, precinct_id: str | None) -> bool:
        if self.precinct_ids is None:
            return True
        return precinct_id is not None and precinct_id in self.precinct_ids


def watch_scope(user: User) -> WatchScope:
    if user.role not in WATCHLIST_ROLES:
        raise WatchlistDenied("your role has no access to watchlists")
    if user.role is Role.admin or user.precinct_id is None:
        if user.role is Role.officer:
            raise WatchlistDenied("an officer without a precinct has no watchlist")
        return WatchScope(precinct_ids=None, may_add_global=True)
    return WatchScope(precinct_ids=(user.precinct_id,), may_add_global=False)


def normalise_value(kind: WatchlistKind, raw: str) -> str:
    """Canonical value; raises PlateError (a ValueError) with a readable message."""
    if kind is WatchlistKind.plate:
        return normalise_plate(raw)
    return normalise_credential(raw)


def target_precinct(user: User, scope: WatchScope, requested: str | None) -> str | None:
    """The precinct a new entry belongs to (None = global), or WatchlistDenied."""
    if scope.precinct_ids is None:
        return requested
    if requested is None:
        return user.precinct_id  # officers add for their own precinct by default
    if requested not in scope.precinct_ids:
        raise WatchlistDenied("you may add entries only for your own precinct")
    return requested


def entries_for_compound(conn: sqlite3.Connection, compound_id: str, now: str) -> list[WatchRow]:
    compound = get_compound(conn, compound_id)
    precincts = (compound.precinct_id,) if compound else ()
    return active_entries(conn, precinct_ids=precincts, now=now)


def _version(compound_id: str, watchlist: list[WatchlistEntry], staff: list[StaffAccount]) -> str:
    # Content hash without generated_at, so an unchanged list keeps its ETag across requests.
    body = json.dumps(
        {
            "compound_id": compound_id,
            "watchlist": [e.model_dump(mode="json") for e in watchlist],
            "staff": [s.model_dump(mode="json") for s in staff],
        },
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def build_sync(conn: sqlite3.Connection, compound_id: str, now: datetime) -> EdgeSync:
    stamp = format_ts(now)
    seen: set[tuple[str, str]] = set()
    watchlist: list[WatchlistEntry] = []
    for row in entries_for_compound(conn, compound_id, stamp):
        key = (row.kind, row.value)
        if key in seen:  # the same plate listed globally and for the precinct: send once
            continue
        seen.add(key)
        watchlist.append(
            WatchlistEntry(
                kind=WatchlistKind(row.kind),
                value=row.value,
                reason=row.reason[:200],
                expires_at=datetime.fromisoformat(row.expires_at) if row.expires_at else None,
            )
        )
    staff = [
        StaffAccount(
            username=r["username"][:64],
            display_name=r["display_name"][:64],
            password_hash=r["password_hash"],
            role="property_manager",
        )
        for r in staff_rows(conn, compound_id)
    ]
    return EdgeSync(
        compound_id=compound_id,
        version=_version(compound_id, watchlist, staff),
        generated_at=now,
        watchlist=watchlist,
        staff=staff,
    )


__all__ = [
    "WATCHLIST_ROLES",
    "PlateError",
    "WatchScope",
    "WatchlistDenied",
    "build_sync",
    "normalise_value",
    "target_precinct",
    "watch_scope",
]
