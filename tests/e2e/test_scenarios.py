"""Every bundled scenario, end to end: real broker, real edge (with the real model for camera
scenarios), real gateway. Each yields exactly the alerts it declares, and nothing else."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from anju_contracts import utcnow
from anju_edge.delivery.enrol import write_token
from anju_gateway.edges.enrolment import enrol
from anju_sim.edgeconfig import edge_fragment
from anju_sim.scenario import Scenario, list_scenarios
from tests.support.servers import edge_config, start_edge, wait_until
from tests.support.simrun import SimRun

SCENARIOS = list_scenarios()
TZ = ZoneInfo("Asia/Shanghai")


def alerts_at(gateway) -> Counter[tuple[str, str]]:  # type: ignore[no-untyped-def]
    rows = gateway.db.conn().execute("SELECT kind, source_id FROM alerts").fetchall()
    return Counter((r[0], r[1]) for r in rows)


def test_every_issue_scenario_is_bundled() -> None:
    assert {s.name for s in SCENARIOS} >= {
        "normal-day",
        "night-intrusion",
        "door-forced",
        "watchlist-plate",
        "camera-offline",
        "ebike-lobby",
        "fire-lane",
        "crowd",
    }


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_scenario_yields_exactly_its_alerts(scenario: Scenario, tmp_path: Path, broker, gateway):  # type: ignore[no-untyped-def]
    """Played by `anju sim run`, which checks the edge's alerts itself (exit 0: exactly the
    declared ones); the gateway then holds exactly those too."""
    gateway.add_user("officer1", "officer", precinct_id="p1")
    officer = gateway.login("officer1")
    for entry in scenario.watchlist:
        assert officer.post("/api/v1/watchlist", json=entry).status_code in (200, 201)
    speed = scenario.duration / 4 if scenario.duration > 30 else 1.0
    # Schedules moved to the current local time, as `anju sim edge-config` does for a live run:
    # the real edge evaluates them on its real clock.
    fragment = edge_fragment(scenario, datetime.now(TZ))
    cfg = edge_config(tmp_path / "edge", broker.port, gateway.url, **{"gates": [], **fragment})
    write_token(
        cfg.token_path(),
        enrol(gateway.db, code=gateway.enrol_code("c1"), hostname="t", now=utcnow()).token,
    )
    args = ["--scenario", scenario.name, "--broker", broker.url, "--compound", "c1"]
    args += ["--speed", str(speed), "--seed", "7", "--demo-dir", str(tmp_path)]
    edge = sim = None
    try:
        if scenario.watchlist:
            # The plate must be on the edge's list before it is read: the edge first.
            edge = start_edge(cfg)
            wait_until(
                lambda: (
                    edge.sync.current() is not None
                    and len(edge.sync.current().watchlist) == len(scenario.watchlist)
                ),
                timeout=10,
                message="the watchlist on the edge",
            )
            sim = SimRun(*args)
        else:
            # Retained `online` first, so no device looks missing to a starting edge (the
            # camera-offline scenario gives a grace of 1 s).
            sim = SimRun(*args)
            sim.wait_for_line("devices online")
            edge = start_edge(cfg)
        assert sim.finish() == 0, sim.output
        assert "check 核对: OK" in sim.stdout, sim.output
        expected = Counter({(e.kind.value, e.source_id): e.count for e in scenario.expect})
        wait_until(
            lambda: alerts_at(gateway) >= expected,
            timeout=30,
            message=f"{dict(expected)} at the gateway",
        )
        assert alerts_at(gateway) == expected
    finally:
        if sim is not None:
            sim.kill()
        if edge is not None:
            edge.stop()
