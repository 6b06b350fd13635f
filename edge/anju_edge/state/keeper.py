"""Saves the devices' supervision state as it changes, on the rules worker's thread; a failed
save (full disk) keeps the changes and tries again on the next round."""

from __future__ import annotations

import logging
from collections.abc import Callable

from anju_common.ratelog import RateLimitedLog
from anju_edge.state.store import DeviceSnapshot, DeviceStateStore

logger = logging.getLogger(__name__)
_ratelog = RateLimitedLog(logger)


class DeviceStateKeeper:
    def __init__(
        self, store: DeviceStateStore, changed: Callable[[], list[DeviceSnapshot]]
    ) -> None:
        self.store = store
        self.changed = changed
        self._unsaved: dict[tuple[str, str], DeviceSnapshot] = {}

    def save(self) -> bool:
        for snap in self.changed():
            self._unsaved[(snap.kind, snap.id)] = snap
        if not self._unsaved:
            return True
        try:
            self.store.save(list(self._unsaved.values()))
        except Exception as exc:  # the disk: keep the changes, next round tries again
            _ratelog.warning(
                "state-save", "device state not saved: %s: %s", type(exc).__name__, exc
            )
            return False
        self._unsaved.clear()
        return True
