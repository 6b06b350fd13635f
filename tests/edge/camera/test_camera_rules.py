"""Tracker, zones, schedules and camera rules, with time passed in (no sleeping)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from anju_contracts import AlertKind, Severity
from anju_edge.camera.rules import CameraRules
from anju_edge.camera.schedule import armed
from anju_edge.camera.track import Observation, Tracker
from anju_edge.camera.zones import anchor, point_in_polygon
from anju_edge.config import CameraConfig
from anju_edge.config.model import ScheduleWindow

TZ = ZoneInfo("Asia/Shanghai")
NIGHT = datetime(2026, 11, 23, 23, 30, tzinfo=TZ)
DAY = datetime(2026, 11, 23, 12, 0, tzinfo=TZ)
LOBBY = [(0.0, 0.5), (1.0, 0.5), (1.0, 1.0), (0.0, 1.0)]


def camera(*rules: dict) -> CameraConfig:  # type: ignore[type-arg]
    return CameraConfig.model_validate(
        {"id": "cam1", "zones": [{"id": "z", "polygon": LOBBY}], "rules": list(rules)}
    )


def person(x: float, y_bottom: float, score: float = 0.8, label: str = "person") -> Observation:
    return Observation(label, score, (x - 0.05, y_bottom - 0.3, x + 0.05, y_bottom))


def test_zone_membership_uses_the_feet() -> None:
    assert point_in_polygon(0.5, 0.75, LOBBY)
    assert not point_in_polygon(0.5, 0.25, LOBBY)
    # Head inside the zone's rows, feet outside: not in the zone.
    assert anchor((0.4, 0.6, 0.6, 0.45)) == (0.5, 0.45)


def test_tracker_keeps_ids_and_expires() -> None:
    tracker = Tracker(max_age_s=5)
    [a] = tracker.update([person(0.3, 0.8)], now=0)
    [b] = tracker.update([person(0.31, 0.81)], now=1)
    assert a.id == b.id and b.hits == 2
    tracker.update([], now=10)
    [c] = tracker.update([person(0.3, 0.8)], now=11)
    assert c.id != a.id
    two = tracker.update([person(0.3, 0.8), person(0.7, 0.8)], now=12)
    assert len({t.id for t in two}) == 2


def test_tracker_does_not_match_across_labels() -> None:
    tracker = Tracker()
    [a] = tracker.update([person(0.3, 0.8)], now=0)
    [b] = tracker.update([person(0.3, 0.8, label="motorcycle")], now=1)
    assert a.id != b.id


@pytest.mark.parametrize(
    "start,end,local,expected",
    [
        ("22:00", "06:00", NIGHT, True),
        ("22:00", "06:00", DAY, False),
        ("22:00", "06:00", datetime(2026, 11, 24, 5, 59, tzinfo=TZ), True),
        ("08:00", "18:00", DAY, True),
        ("08:00", "18:00", NIGHT, False),
    ],
)
def test_schedule_windows(start: str, end: str, local: datetime, expected: bool) -> None:
    window = ScheduleWindow.model_validate({"start": start, "end": end})
    assert armed([window], local) is expected


def test_schedule_days_and_midnight() -> None:
    # Armed Monday 22:00-06:00: Tuesday 03:00 belongs to Monday's window.
    window = ScheduleWindow.model_validate({"start": "22:00", "end": "06:00", "days": ["mon"]})
    monday_night = datetime(2026, 11, 23, 23, 0, tzinfo=TZ)  # a Monday
    assert armed([window], monday_night)
    assert armed([window], datetime(2026, 11, 24, 3, 0, tzinfo=TZ))
    assert not armed([window], datetime(2026, 11, 24, 23, 0, tzinfo=TZ))
    assert armed(None, DAY)


def run(
    rules: CameraRules,
    tracker: Tracker,
    obs: list[Observation],
    now: float,
    local: datetime = NIGHT,
):  # type: ignore[no-untyped-def]
    return rules.evaluate(tracker.update(obs, now), now, local)


def test_intrusion_only_when_armed_and_inside() -> None:
    rules = CameraRules(
        camera({"type": "intrusion", "zone": "z", "schedule": [{"start": "22:00", "end": "06:00"}]})
    )
    tracker = Tracker()
    assert run(rules, tracker, [person(0.5, 0.3)], 0) == []  # outside the zone
    [f] = run(rules, tracker, [person(0.5, 0.8)], 1)
    assert f.kind is AlertKind.intrusion and f.severity is Severity.high and f.zone == "z"
    assert run(CameraRules(rules.camera), Tracker(), [person(0.5, 0.8)], 0, DAY) == []


def test_loitering_needs_the_dwell_and_resets_on_leaving() -> None:
    rules = CameraRules(camera({"type": "loitering", "zone": "z", "dwell_s": 60}))
    tracker = Tracker(max_age_s=1000)
    assert run(rules, tracker, [person(0.5, 0.8)], 0) == []
    assert run(rules, tracker, [person(0.5, 0.8)], 59) == []
    [f] = run(rules, tracker, [person(0.5, 0.8)], 61)
    assert f.kind is AlertKind.loitering and f.details["dwell_s"] == 61
    # Walks out and back in: the clock starts again.
    run(rules, tracker, [person(0.5, 0.45)], 62)
    assert run(rules, tracker, [person(0.5, 0.55)], 63) == []


def test_fire_lane_counts_vehicles_only() -> None:
    rules = CameraRules(camera({"type": "fire_lane", "zone": "z", "dwell_s": 300}))
    tracker = Tracker(max_age_s=1000)
    car = person(0.5, 0.9, label="car")
    run(rules, tracker, [car, person(0.2, 0.9)], 0)
    found = run(rules, tracker, [car, person(0.2, 0.9)], 301)
    assert [f.tracks[0].label for f in found] == ["car"]
    assert found[0].kind is AlertKind.fire_lane


def test_ebike_in_lobby() -> None:
    rules = CameraRules(camera({"type": "ebike_indoor", "zone": "z"}))
    [f] = run(rules, Tracker(), [person(0.5, 0.9, label="motorcycle"), person(0.2, 0.9)], 0)
    assert f.kind is AlertKind.ebike_indoor and f.tracks[0].label == "motorcycle"


def test_crowd_over_max_count() -> None:
    rules = CameraRules(camera({"type": "crowd", "zone": "z", "max_count": 3}))
    tracker = Tracker()
    three = [person(0.1 + 0.2 * i, 0.9) for i in range(3)]
    assert run(rules, tracker, three, 0) == []
    [f] = run(rules, tracker, [*three, person(0.9, 0.9)], 1)
    assert f.kind is AlertKind.crowd and f.details["count"] == 4 and f.dedup_key == "z"


def test_min_score_filters_weak_detections() -> None:
    rules = CameraRules(camera({"type": "intrusion", "zone": "z", "min_score": 0.7}))
    assert run(rules, Tracker(), [person(0.5, 0.8, score=0.5)], 0) == []
