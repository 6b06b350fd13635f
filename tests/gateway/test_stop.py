"""`anju gateway serve` stops on SIGTERM within 5 s while a live feed is open, and raises no
edge_offline while it goes away (issue 12, defect 8)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from anju.netutil import wait_for_port
from anju_contracts import Heartbeat, utcnow
from anju_gateway.edges.enrolment import enrol
from anju_gateway.settings import GatewaySettings
from anju_gateway.store.alerts import AlertQuery, query_alerts
from tests.support.servers import GatewayServer

STOP_WITHIN_S = 5.0


def test_sigterm_with_an_open_live_feed_stops_within_5s_and_raises_no_offline(
    tmp_path: Path,
) -> None:
    data = tmp_path / "gw"
    seed = GatewayServer(data)  # never started: migrates and seeds the database on disk
    seed.add_compound("c1", "p1")
    seed.add_user("o1", "officer", precinct_id="p1")
    token = enrol(seed.db, code=seed.enrol_code("c1"), hostname="box", now=utcnow()).token
    seed.db.close()
    log = (tmp_path / "gateway.log").open("wb")
    # A short offline window and a fast sweep: a stop that hangs would raise edge_offline.
    env = {
        **os.environ,
        "ANJU_GATEWAY_EDGE_OFFLINE_AFTER_S": "1.5",
        "ANJU_GATEWAY_SLA_SWEEP_SECONDS": "0.2",
    }
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "anju", "gateway", "serve"),
            *("--port", str(seed.port), "--data-dir", str(data)),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        wait_for_port("127.0.0.1", seed.port, timeout=20)
        officer = seed.login("o1")
        hello = threading.Event()
        ended = threading.Event()

        def watch() -> None:
            # The feed ends with the server; a cut connection is an end too.
            with (
                contextlib.suppress(httpx.HTTPError),
                officer.stream("GET", "/api/v1/live") as feed,
            ):
                for line in feed.iter_lines():
                    if line.startswith("event: hello"):
                        hello.set()
            ended.set()

        threading.Thread(target=watch, daemon=True).start()
        assert hello.wait(10), "the live feed never said hello"
        beat = Heartbeat(
            compound_id="c1", ts=utcnow(), uptime_s=1, software_version="t", queue_depth=0
        )
        answer = httpx.post(
            f"{seed.url}/api/v1/edge/heartbeat",
            content=beat.model_dump_json(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        assert answer.status_code == 204

        started = time.monotonic()
        server.send_signal(signal.SIGTERM)
        try:
            code = server.wait(timeout=STOP_WITHIN_S)
        except subprocess.TimeoutExpired:
            code = None
        took = time.monotonic() - started
        print(f"stopped {took:.2f} s after SIGTERM")
        assert code is not None, f"still running {STOP_WITHIN_S} s after SIGTERM"
        # uvicorn re-raises the signal once stopped; systemd counts that as a clean stop.
        assert code in (0, -signal.SIGTERM), (tmp_path / "gateway.log").read_text(
            "utf-8", "replace"
        )[-2000:]
        assert ended.wait(2), "the live feed was not closed"
        # Well past the offline window: the stopping gateway judged no box silent.
        time.sleep(max(0.0, 2.0 - took))
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    db = GatewaySettings(data_dir=data).open_database()  # the test's engine (env on PostgreSQL)
    kinds = [a.kind for a in query_alerts(db.conn(), AlertQuery())]
    assert "edge_offline" not in kinds
