"""A compound for the gate console's tests: a gateway, one edge box with its console and three
gates — 北门 (a simulated gate with a right clock), 地库入口 (a simulated gate whose clock is
95 s slow) and 东门 (configured, but no controller answers) — and a camera with a named zone."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from anju.netutil import free_port
from anju_contracts import utcnow
from anju_edge.config import EdgeConfig
from anju_edge.delivery.enrol import write_token
from anju_edge.service import EdgeService
from anju_gateway.edges.enrolment import enrol
from anju_sim.devices import SimGate
from tests.support.servers import PASSWORD, GatewayServer, edge_config, start_edge, wait_until

SLOW_S = 95.0
ANSWER_S = 5.0  # how long a remote opening waits for the gate (console.door_answer_s)
GATES = [
    {"id": "north-gate", "name": "北门"},
    {"id": "garage-gate", "name": "地库入口"},
    {"id": "east-gate", "name": "东门"},
]
CAMERAS = [
    {
        "id": "cam-east",
        "name": "东侧围墙摄像机",
        "zones": [
            {"id": "perimeter-east", "name": "东侧围墙", "polygon": [[0, 0], [1, 0], [1, 1]]}
        ],
    }
]


@dataclass
class GateSite:
    gw: GatewayServer
    edge: EdgeService
    cfg: EdgeConfig
    north: SimGate
    garage: SimGate  # its clock is SLOW_S behind
    url: str

    def login(self) -> httpx.Client:
        client = httpx.Client(base_url=self.url, timeout=10)
        answer = client.post("/api/login", json={"username": "pm", "password": PASSWORD})
        assert answer.status_code == 200, answer.text
        return client


def gate_site(
    tmp_path: Path, broker_port: int, cameras: list[dict[str, object]] | None = None
) -> Iterator[GateSite]:
    """``cameras``: more cameras beside 东侧围墙摄像机 (e.g. a pulled one)."""
    gw = GatewayServer(tmp_path / "gw").start()
    gw.add_compound("c1", "p1")
    gw.add_user("pm", "property_manager", compound_id="c1")
    with gw.db.write() as conn:  # the name the console shows as the operator
        conn.execute("UPDATE users SET display_name = '王经理' WHERE username = 'pm'")
    port = free_port()
    cfg = edge_config(
        tmp_path / "edge",
        broker_port,
        gw.url,
        name="安居示范小区",
        console={"port": port, "door_answer_s": ANSWER_S},
        gates=GATES,
        cameras=CAMERAS + (cameras or []),
        gate_rules={"cooldown_s": 0},
        gateway={
            "url": gw.url,
            "backoff_initial_s": 0.1,
            "backoff_max_s": 1.0,
            "heartbeat_s": 1.0,
            "timeout_s": 2.0,
        },
    )
    write_token(
        cfg.token_path(), enrol(gw.db, code=gw.enrol_code("c1"), hostname="t", now=utcnow()).token
    )
    north = SimGate("127.0.0.1", broker_port, "c1", "north-gate")
    garage = SimGate("127.0.0.1", broker_port, "c1", "garage-gate", clock_skew_s=-SLOW_S)
    north.start()
    garage.start()
    edge = start_edge(cfg)
    site = GateSite(gw, edge, cfg, north, garage, f"http://127.0.0.1:{port}")
    try:
        wait_until(lambda: edge.sync.staff(), timeout=10, message="staff synced to the edge")
        yield site
    finally:
        site.edge.stop()
        north.stop()
        garage.stop()
        site.gw.stop()
