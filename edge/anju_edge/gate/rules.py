"""Rules on gate-controller events: door forced, held open, tamper, watch-listed plates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from anju_contracts import AlertKind, GateEvent, GateEventType, SourceKind, WatchlistEntry
from anju_contracts.alert import DetailValue
from anju_contracts.common import format_ts
from anju_edge.alerts import AlertDraft
from anju_edge.config import GateRulesConfig

WatchlistLookup = Callable[[GateEvent], WatchlistEntry | None]


class GateRules:
    def __init__(self, config: GateRulesConfig, watchlist: WatchlistLookup | None = None) -> None:
        self.config = config
        self.watchlist = watchlist

    def evaluate(
        self,
        gate_id: str,
        event: GateEvent,
        *,
        source_key: str | None = None,
        device_ts: datetime | None = None,
    ) -> list[AlertDraft]:
        """``source_key`` names the event for redelivery; ``device_ts`` is the gate's own time
        when the box replaced it (see ``gate/clock.py``)."""
        cfg = self.config
        details: dict[str, DetailValue] = {"event_type": event.type.value, "seq": event.seq}
        if device_ts is not None:
            details["device_ts"] = format_ts(device_ts)
        if event.direction is not None:
            details["direction"] = event.direction.value
        simple = {
            GateEventType.door_forced: (AlertKind.door_forced, cfg.door_forced),
            GateEventType.door_held_open: (AlertKind.door_held_open, cfg.door_held_open),
            GateEventType.tamper: (AlertKind.tamper, cfg.tamper),
        }
        if event.type in simple:
            kind, severity = simple[event.type]
            if event.held_seconds is not None:
                details["held_seconds"] = event.held_seconds
            return [
                AlertDraft(
                    kind=kind,
                    severity=severity,
                    source_kind=SourceKind.gate,
                    source_id=gate_id,
                    cooldown_s=cfg.cooldown_s,
                    details=details,
                    source_key=source_key,
                )
            ]
        if self.watchlist is not None and event.type in (
            GateEventType.plate_read,
            GateEventType.card_swipe,
            GateEventType.face_access,
        ):
            entry = self.watchlist(event)
            if entry is not None:
                details.update(
                    {
                        "watchlist_kind": entry.kind.value,
                        "value": entry.value,
                        "reason": entry.reason,
                    }
                )
                if event.plate is not None:
                    details["plate"] = event.plate
                return [
                    AlertDraft(
                        kind=AlertKind.watchlist,
                        severity=cfg.watchlist,
                        source_kind=SourceKind.gate,
                        source_id=gate_id,
                        dedup_key=entry.value,
                        cooldown_s=cfg.cooldown_s,
                        details=details,
                        source_key=source_key,
                    )
                ]
        return []
