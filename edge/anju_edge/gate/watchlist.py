"""Watchlist matcher for GateRules: plate reads by normalised plate, cards/faces by credential.

It reads the sync component's current copy on every event, so a new list applies at once and
a box whose uplink is down keeps matching the last synced copy. Expired entries never match,
even when the gateway could not tell the box they expired.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from anju_contracts import (
    EdgeSync,
    GateEvent,
    GateEventType,
    WatchlistEntry,
    WatchlistKind,
    utcnow,
)
from anju_contracts.plates import PlateError, normalise_credential, try_normalise_plate


class WatchlistMatcher:
    def __init__(
        self,
        source: Callable[[], EdgeSync | None],
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self.source = source
        # Expiry is judged by the box's clock, not the gate's: a gate with a wrong clock must
        # not revive an expired entry.
        self.now = now
        self._version: str | None = None
        self._index: dict[tuple[WatchlistKind, str], WatchlistEntry] = {}

    def _lookup(self) -> dict[tuple[WatchlistKind, str], WatchlistEntry]:
        sync = self.source()
        if sync is None:
            return {}
        if sync.version != self._version:  # rebuild the index once per synced version
            self._index = {(e.kind, e.value): e for e in sync.watchlist}
            self._version = sync.version
        return self._index

    def __call__(self, event: GateEvent) -> WatchlistEntry | None:
        index = self._lookup()
        if not index:
            return None
        key: tuple[WatchlistKind, str] | None = None
        if event.type is GateEventType.plate_read:
            plate = try_normalise_plate(event.plate)
            key = (WatchlistKind.plate, plate) if plate else None
        elif event.credential is not None and event.type in (
            GateEventType.card_swipe,
            GateEventType.face_access,
        ):
            try:
                key = (WatchlistKind.credential, normalise_credential(event.credential))
            except PlateError:
                key = None
        entry = index.get(key) if key else None
        if entry is None:
            return None
        if entry.expires_at is not None and entry.expires_at <= self.now():
            return None
        return entry
