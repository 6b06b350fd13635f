"""A simulated camera publishes real frames; a person in an armed zone at night becomes exactly
one intrusion alert with an annotated thumbnail at the gateway; in daytime, none."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from prometheus_client import REGISTRY

from anju_contracts import utcnow
from anju_edge.delivery.enrol import write_token
from anju_gateway.edges.enrolment import enrol
from anju_sim.devices import SimCamera
from tests.support.servers import edge_config, start_edge, wait_until

FRAME = (
    Path(__file__).resolve().parents[2] / "models" / "reference" / "vtest_0200.jpg"
).read_bytes()
TZ = ZoneInfo("Asia/Shanghai")
# In vtest frame 200 one pedestrian stands with his feet near (0.815, 0.63); this zone holds
# only him.
ZONE = [[0.77, 0.55], [0.87, 0.55], [0.87, 0.70], [0.77, 0.70]]


def frames_detected() -> float:
    return REGISTRY.get_sample_value("anju_edge_frames_detected_total") or 0.0


@pytest.fixture
def camera_edge(tmp_path, broker, gateway):  # type: ignore[no-untyped-def]
    cfg = edge_config(
        tmp_path / "edge",
        broker.port,
        gateway.url,
        cameras=[
            {
                "id": "cam1",
                "name": "东侧围墙",
                "zones": [{"id": "east-fence", "polygon": ZONE}],
                "rules": [
                    {
                        "type": "intrusion",
                        "zone": "east-fence",
                        "schedule": [{"start": "22:00", "end": "06:00"}],
                    }
                ],
            }
        ],
    )
    write_token(
        cfg.token_path(),
        enrol(gateway.db, code=gateway.enrol_code("c1"), hostname="t", now=utcnow()).token,
    )
    service = start_edge(cfg)
    assert service.pipeline is not None
    yield service
    service.stop()


def publish_frames(broker, n: int) -> None:  # type: ignore[no-untyped-def]
    cam = SimCamera("127.0.0.1", broker.port, "c1", "cam1")
    cam.start()
    try:
        for _ in range(n):
            before = frames_detected()
            cam.snapshot(FRAME)
            wait_until(lambda b=before: frames_detected() > b, timeout=15, message="frame detected")
    finally:
        cam.stop()


def test_person_in_armed_zone_at_night(camera_edge, broker, gateway):  # type: ignore[no-untyped-def]
    camera_edge.pipeline.local_now = lambda: datetime(2026, 11, 23, 23, 30, tzinfo=TZ)
    publish_frames(broker, 3)
    gateway.add_user("o1", "officer", precinct_id="p1")
    officer = gateway.login("o1")
    alerts = wait_until(
        lambda: officer.get("/api/v1/alerts").json()["alerts"],
        timeout=10,
        message="intrusion alert at the gateway",
    )
    assert len(alerts) == 1, alerts
    alert = alerts[0]
    assert (alert["kind"], alert["source_kind"], alert["source_id"], alert["zone"]) == (
        "intrusion",
        "camera",
        "cam1",
        "east-fence",
    )
    [obj] = alert["objects"]
    assert obj["label"] == "person" and obj["score"] > 0.5
    x1, _, x2, y2 = obj["box"]
    assert 0.77 < (x1 + x2) / 2 < 0.87 and 0.55 < y2 < 0.70
    jpeg = officer.get(f"/api/v1/alerts/{alert['id']}/snapshot.jpg")
    assert jpeg.status_code == 200 and jpeg.content[:2] == b"\xff\xd8"
    assert len(jpeg.content) <= 60_000


def test_same_person_in_daytime_raises_nothing(camera_edge, broker, gateway):  # type: ignore[no-untyped-def]
    camera_edge.pipeline.local_now = lambda: datetime(2026, 11, 23, 12, 0, tzinfo=TZ)
    raised = REGISTRY.get_sample_value("anju_edge_alerts_raised_total", {"kind": "intrusion"})
    publish_frames(broker, 3)
    after = REGISTRY.get_sample_value("anju_edge_alerts_raised_total", {"kind": "intrusion"})
    assert after == raised  # the detector saw him (3 frames) but the zone was not armed
    count = gateway.db.conn().execute("SELECT COUNT(*) FROM alerts").fetchone()[0]
    assert count == 0
