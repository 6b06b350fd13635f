"""Watchlist rules: who may list, add and remove entries, and what each edge receives.

Scope decision (docs/watchlists.md): an entry belongs to one precinct or is global.
- admin and city-wide supervisors (no precinct): see every entry; add global entries or entries
  of any precinct; remove any entry.
- officers and precinct supervisors: see global entries and their precinct's; add entries only
  for their own precinct; remove only their precinct's entries.
- property managers and installers: no access (403).
An edge receives the global entries plus those of its compound's precinct (see
:mod:`anju_gateway.edges.sync`).
"""

from __future__ import annotations

from dataclasses import dataclass

from anju_contracts import WatchlistKind
from anju_contracts.plates import PlateError, normalise_credential, normalise_plate
from anju_gateway.store.users import Role, User

WATCHLIST_ROLES = (Role.admin, Role.supervisor, Role.officer)


class WatchlistDenied(PermissionError):
    pass


@dataclass(frozen=True, slots=True)
class WatchScope:
    precinct_ids: tuple[str, ...] | None  # None: all entries

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
        return WatchScope(precinct_ids=None)
    return WatchScope(precinct_ids=(user.precinct_id,))


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


__all__ = [
    "WATCHLIST_ROLES",
    "PlateError",
    "WatchScope",
    "WatchlistDenied",
    "normalise_value",
    "target_precinct",
    "watch_scope",
]
