"""Rules on tracked objects of one camera: intrusion, loitering, fire lane, e-bike indoors, crowd.

Pure logic: time comes in as arguments (monotonic seconds for dwell, local datetime for
schedules), so tests need no sleeping.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from anju_contracts import AlertKind, Severity
from anju_edge.camera.schedule import armed
from anju_edge.camera.track import Track
from anju_edge.camera.zones import anchor, point_in_polygon
from anju_edge.config.model import (
    CameraConfig,
    CameraRule,
    CrowdRule,
    EbikeIndoorRule,
    FireLaneRule,
    IntrusionRule,
    LoiteringRule,
)

DEFAULT_SEVERITY: dict[type, Severity] = {
    IntrusionRule: Severity.high,
    LoiteringRule: Severity.normal,
    FireLaneRule: Severity.normal,
    EbikeIndoorRule: Severity.high,
    CrowdRule: Severity.high,
}
KIND: dict[type, AlertKind] = {
    IntrusionRule: AlertKind.intrusion,
    LoiteringRule: AlertKind.loitering,
    FireLaneRule: AlertKind.fire_lane,
    EbikeIndoorRule: AlertKind.ebike_indoor,
    CrowdRule: AlertKind.crowd,
}


@dataclass(frozen=True, slots=True)
class Finding:
    """A rule fired: which tracks, for which zone, and how to deduplicate it."""

    kind: AlertKind
    severity: Severity
    zone: str
    tracks: tuple[Track, ...]
    dedup_key: str
    cooldown_s: float
    details: dict[str, str | int | float | bool]


class CameraRules:
    def __init__(self, camera: CameraConfig) -> None:
        self.camera = camera
        self.zones = {z.id: z.polygon for z in camera.zones}

    def _in_zone(self, track: Track, zone: str) -> bool:
        x, y = anchor(track.box)
        return point_in_polygon(x, y, self.zones[zone])

    def evaluate(self, tracks: list[Track], now: float, local: datetime) -> list[Finding]:
        """`tracks` are those seen in the current frame."""
        # Dwell starts when the anchor enters a zone and resets when it leaves.
        for track in tracks:
            for zone in self.zones:
                if self._in_zone(track, zone):
                    track.entered.setdefault(zone, now)
                else:
                    track.entered.pop(zone, None)
        findings: list[Finding] = []
        for rule in self.camera.rules:
            if not armed(rule.schedule, local):
                continue
            inside = [
                t
                for t in tracks
                if t.label in rule.labels and t.score >= rule.min_score and rule.zone in t.entered
            ]
            findings.extend(self._apply(rule, inside, now))
        return findings

    def _apply(self, rule: CameraRule, inside: list[Track], now: float) -> list[Finding]:
        severity = rule.severity or DEFAULT_SEVERITY[type(rule)]
        kind = KIND[type(rule)]
        if isinstance(rule, CrowdRule):
            if len(inside) <= rule.max_count:
                return []
            return [
                Finding(
                    kind,
                    severity,
                    rule.zone,
                    tuple(inside),
                    rule.zone,
                    rule.cooldown_s,
                    {"count": len(inside), "max_count": rule.max_count},
                )
            ]
        dwell_needed = 0.0 if isinstance(rule, IntrusionRule) else rule.dwell_s
        out = []
        for t in inside:
            dwell = now - t.entered[rule.zone]
            if dwell < dwell_needed:
                continue
            details: dict[str, str | int | float | bool] = {"label": t.label, "track_id": t.id}
            if dwell_needed:
                details["dwell_s"] = round(dwell, 1)
            out.append(
                Finding(
                    kind, severity, rule.zone, (t,), f"{rule.zone}:{t.id}", rule.cooldown_s, details
                )
            )
        return out
