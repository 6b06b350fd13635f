"""With its model file missing, the edge logs why, runs without camera detection, and its gate
rules still raise alerts; snapshots arriving meanwhile do no harm."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from anju_contracts import GateEventType, utcnow
from anju_edge.delivery.enrol import write_token
from anju_gateway.edges.enrolment import enrol
from anju_sim.devices import SimCamera, SimGate
from tests.support.servers import edge_config, start_edge, wait_until

MODELS = Path(__file__).resolve().parents[2] / "models"


def test_edge_without_model_keeps_gate_rules(  # type: ignore[no-untyped-def]
    tmp_path, broker, gateway, caplog: pytest.LogCaptureFixture
):
    models = tmp_path / "models"
    models.mkdir()
    # The manifest is there, the ONNX file it names is not (a half-finished install).
    shutil.copy(MODELS / "manifest.yaml", models / "manifest.yaml")
    cfg = edge_config(
        tmp_path / "edge",
        broker.port,
        gateway.url,
        detector={"models_dir": str(models)},
        cameras=[
            {
                "id": "cam1",
                "zones": [{"id": "z", "polygon": [[0, 0], [1, 0], [1, 1], [0, 1]]}],
                "rules": [{"type": "intrusion", "zone": "z"}],
            }
        ],
    )
    write_token(
        cfg.token_path(),
        enrol(gateway.db, code=gateway.enrol_code("c1"), hostname="t", now=utcnow()).token,
    )
    with caplog.at_level(logging.ERROR, logger="anju_edge.service"):
        service = start_edge(cfg)
    try:
        assert service.pipeline is None
        assert any(
            "camera detection disabled" in r.message and "nanodet.onnx" in r.message
            for r in caplog.records
        )
        cam = SimCamera("127.0.0.1", broker.port, "c1", "cam1")
        gate = SimGate("127.0.0.1", broker.port, "c1", "g1")
        cam.start()
        gate.start()
        try:
            cam.snapshot((MODELS / "reference" / "vtest_0200.jpg").read_bytes(), qos=1)
            gate.emit(GateEventType.door_forced, direction="in")
            gateway.add_user("o1", "officer", precinct_id="p1")
            officer = gateway.login("o1")
            alerts = wait_until(
                lambda: officer.get("/api/v1/alerts").json()["alerts"],
                timeout=10,
                message="the gate alert at the gateway",
            )
        finally:
            cam.stop()
            gate.stop()
        assert [a["kind"] for a in alerts] == ["door_forced"]
        assert service.mqtt.connected.is_set()
    finally:
        service.stop()
