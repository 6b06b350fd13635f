"""A bundled scenario played by a real RTSP camera (GStreamer) and by a real HTTP snapshot
camera (Digest auth) instead of MQTT snapshots: the same expected alerts, with snapshots, at
the gateway. And `anju edge check-config --probe` on a good and a bad camera."""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import yaml

from anju_contracts import DeviceState, utcnow
from anju_edge.delivery.enrol import write_token
from anju_gateway.edges.enrolment import enrol
from anju_sim.edgeconfig import edge_fragment
from anju_sim.scenario import ScenarioRunner, load_scenario
from tests.support.cameras import http_camera, need_rtsp_server, rtsp_camera
from tests.support.servers import edge_config, start_edge, wait_until

TZ = ZoneInfo("Asia/Shanghai")
QUIET_S = 2.0


@pytest.mark.parametrize("source", ["rtsp", "http_snapshot"])
def test_scenario_through_a_pulled_camera(source, tmp_path, broker, gateway):  # type: ignore[no-untyped-def]
    if source == "rtsp":
        need_rtsp_server()
    scenario = load_scenario("night-intrusion").model_copy(update={"source": source})
    runner = ScenarioRunner(scenario, "127.0.0.1", broker.port, "c1", seed=7)
    runner.start_devices()
    try:
        fragment = edge_fragment(scenario, datetime.now(TZ), runner.camera_sources(fps=2))
        cfg = edge_config(tmp_path / "edge", broker.port, gateway.url, **{"gates": [], **fragment})
        token = enrol(gateway.db, code=gateway.enrol_code("c1"), hostname="t", now=utcnow())
        write_token(cfg.token_path(), token.token)
        edge = start_edge(cfg)
        try:
            wait_until(
                lambda: all(d.state is DeviceState.online for d in edge.devices.health()),
                timeout=20,
                message="the camera streaming",
            )
            runner.play()
            expected = Counter({(e.kind.value, e.source_id): e.count for e in scenario.expect})

            def at_gateway() -> Counter[tuple[str, str]]:
                rows = gateway.db.conn().execute("SELECT kind, source_id FROM alerts").fetchall()
                return Counter((r[0], r[1]) for r in rows)

            wait_until(lambda: at_gateway() >= expected, 30, message=f"{dict(expected)}")
            time.sleep(QUIET_S)
            assert at_gateway() == expected
            snaps = gateway.db.conn().execute("SELECT count(*) FROM alert_snapshots").fetchone()
            assert snaps[0] == sum(expected.values())
        finally:
            edge.stop()
    finally:
        runner.stop_devices()


def test_check_config_probe_good_and_bad_camera(tmp_path):  # type: ignore[no-untyped-def]
    with (
        rtsp_camera("good", fps=5, gop=5, auth="digest", password="probe-Secret") as good,
        http_camera("snap", auth="digest", password="snap-Secret") as snap,
    ):
        wrong = tmp_path / "wrong.cred"
        wrong.write_text("anju:bad-Secret\n")
        config = {
            "compound_id": "c1",
            "data_dir": str(tmp_path / "data"),
            "gateway": {"url": "http://127.0.0.1:9"},
            "cameras": [
                {"id": "good", "source": good.source_config(fps=2)},
                {"id": "badpass", "source": {**good.source_config(), "credentials": str(wrong)}},
                {"id": "nobody", "source": {"type": "rtsp", "url": "rtsp://127.0.0.1:9/x"}},
                {"id": "snap", "source": snap.source_config()},
                {"id": "mq"},
            ],
        }
        path = tmp_path / "edge.yaml"
        path.write_text(yaml.safe_dump(config))
        run = subprocess.run(
            [sys.executable, "-m", "anju", "edge", "check-config", str(path), "--probe"],
            capture_output=True,
            text=True,
            timeout=90,
        )
    out = run.stdout
    assert run.returncode == 1, out + run.stderr
    lines = {line.split(":")[0]: line for line in out.splitlines()[1:]}
    assert lines["good"].startswith(f"good: ok: {good.url}: h264 640x360, 5 fps, ")
    assert "key frame every 5 frames (1.0 s)" in lines["good"]
    assert lines["badpass"] == (
        f"badpass: auth_failed: {good.url}: the camera refused the credentials (401)"
    )
    assert lines["nobody"].startswith("nobody: offline: rtsp://127.0.0.1:9/x: ")
    assert "refused" in lines["nobody"].lower()
    assert lines["snap"].startswith(f"snap: ok: {snap.url}: jpeg, ")
    assert lines["mq"].startswith("mq: -: mqtt")
    assert "Secret" not in out + run.stderr
