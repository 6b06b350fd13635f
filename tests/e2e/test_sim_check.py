"""`anju sim run` checks itself against a real edge: a missing or unexpected alert is exit 1 with a
table; devices end `stopped`, which raises no device_offline; two simulators share one broker
(even playing the same gate); a broker that restarts is survived, one gone for good is one line.

Every scenario passing its own check is tests/e2e/test_scenarios.py."""

from __future__ import annotations

import json
import queue
import signal
import time
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import yaml
from paho.mqtt.enums import CallbackAPIVersion

from anju_contracts import DeviceState, utcnow
from anju_edge.config import EdgeConfig
from anju_edge.delivery.enrol import write_token
from anju_gateway.edges.enrolment import enrol
from anju_sim.scenario import load_scenario
from tests.support.servers import edge_config, start_edge, wait_until
from tests.support.simrun import SimRun

WRONG = {
    "name": "wrong-expectation",
    "title": "预期与实际不符 / The declared alert cannot happen",
    "gates": ["side-gate"],
    "edge": {"gates": [{"id": "side-gate", "name": "侧门"}], "gate_rules": {"offline_grace_s": 1}},
    "steps": [
        {"at": 0.5, "gate": "side-gate", "event": {"type": "door_forced", "direction": "in"}}
    ],
    # A door forced open raises door_forced, never tamper.
    "expect": [{"kind": "tamper", "source_id": "side-gate"}],
}


def enrolled_config(tmp_path: Path, broker, gateway, **fragment: Any) -> EdgeConfig:  # type: ignore[no-untyped-def]
    cfg = edge_config(tmp_path / "edge", broker.port, gateway.url, **fragment)
    code = gateway.enrol_code("c1")
    write_token(cfg.token_path(), enrol(gateway.db, code=code, hostname="t", now=utcnow()).token)
    return cfg


def edge_alerts(port: int) -> tuple[mqtt.Client, queue.Queue[dict[str, Any]]]:
    got: queue.Queue[dict[str, Any]] = queue.Queue()
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"test-alerts-{time.time_ns()}")
    client.on_message = lambda c, u, m: got.put(json.loads(m.payload))
    client.connect("127.0.0.1", port)
    client.subscribe("anju/c1/edge/alerts", qos=1)
    client.loop_start()
    return client, got


def sim_args(broker, tmp_path: Path, *extra: str) -> list[str]:  # type: ignore[no-untyped-def]
    return ["--broker", broker.url, "--compound", "c1", "--demo-dir", str(tmp_path), *extra]


def test_a_missing_alert_fails_with_a_table_and_stopped_raises_no_offline(
    tmp_path: Path, broker, gateway
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "wrong-expectation.yaml"
    path.write_text(yaml.safe_dump(WRONG, allow_unicode=True), "utf-8")
    cfg = enrolled_config(tmp_path, broker, gateway, **load_scenario(path).edge)
    client, alerts = edge_alerts(broker.port)
    # The gate online first: with a grace of 1 s a starting edge would report it missing.
    sim = SimRun("--scenario", str(path), *sim_args(broker, tmp_path, "--timeout", "8"))
    edge = None
    try:
        sim.wait_for_line("devices online")
        edge = start_edge(cfg)
        assert sim.finish() == 1, sim.output
        out = sim.stdout
        assert "check 核对: FAILED 未通过 — 1 missing 缺少, 1 unexpected 多余" in out, out
        rows = {tuple(line.split()[:2]): line.split()[2:] for line in out.splitlines()}
        assert rows[("tamper", "side-gate")] == ["1", "0", "1"]  # expected, arrived, missing
        assert rows[("door_forced", "side-gate")] == ["0", "1", "1"]  # ..., unexpected
        # The alert the simulator saw is the one the edge published.
        assert alerts.get(timeout=5)["kind"] == "door_forced"
        # Then the gate switched off cleanly: `stopped`, and past the 1 s grace no outage.
        wait_until(
            lambda: any(
                h.id == "side-gate" and h.state is DeviceState.stopped
                for h in edge.devices.health()
            ),
            timeout=10,
            message="side-gate stopped at the edge",
        )
        time.sleep(3)  # three graces and more than one supervision round
        assert alerts.empty(), alerts.get()
    finally:
        sim.kill()
        client.loop_stop()
        client.disconnect()
        if edge is not None:
            edge.stop()


def test_no_edge_online_is_a_clear_failure(tmp_path: Path, broker) -> None:  # type: ignore[no-untyped-def]
    sim = SimRun("--scenario", "door-forced", *sim_args(broker, tmp_path, "--timeout", "1"))
    assert sim.finish() == 1, sim.output
    assert "no edge online for compound c1 after 1 s (its status: never seen)" in sim.stdout
    assert "played" not in sim.stdout  # nothing played into the void


def test_two_simulators_at_once_even_on_the_same_gate(tmp_path: Path, broker, gateway) -> None:  # type: ignore[no-untyped-def]
    """The demo's case: its normal day runs while a user plays door-forced on the same gate."""
    day = load_scenario("normal-day")
    cfg = enrolled_config(tmp_path, broker, gateway, **day.edge)
    # A day in 2 min, well outlasting the door-forced run on a loaded machine (it is
    # interrupted once both have overlapped); unchecked, as the demo's own loop.
    first = SimRun(
        "--scenario", "normal-day", *sim_args(broker, tmp_path, "--speed", "720", "--no-check")
    )
    edge = None
    second = None
    try:
        first.wait_for_line("devices online")
        edge = start_edge(cfg)
        second = SimRun("--scenario", "door-forced", *sim_args(broker, tmp_path))
        assert second.finish() == 0, second.output
        assert "check 核对: OK" in second.stdout
        assert first.proc.poll() is None, f"the day ended before the second run:\n{first.output}"
        # The second run's north-gate said `stopped`; the first one's, alive, says `online` again.
        wait_until(
            lambda: any(
                h.id == "north-gate" and h.state is DeviceState.online
                for h in edge.devices.health()
            ),
            timeout=10,
            message="north-gate online again at the edge",
        )
        assert first.proc.poll() is None, "the day ended before the check: no overlap"
        first.proc.send_signal(signal.SIGINT)  # Ctrl-C: the day need not play to its end
        assert first.finish() == 130, first.output
        assert "interrupted 已中断" in first.stdout
        # Neither threw the other off the broker (one client id each).
        assert "lost the broker" not in first.stderr + second.stderr
        assert "Traceback" not in first.stderr + second.stderr
    finally:
        first.kill()
        if second is not None:
            second.kill()
        if edge is not None:
            edge.stop()


def test_ctrl_c_ends_a_run_even_started_with_sigint_ignored(tmp_path: Path, broker) -> None:  # type: ignore[no-untyped-def]
    """As from a script's background job (SIGINT ignored): Ctrl-C still ends the run, 130."""
    sim = SimRun(
        "--scenario",
        "normal-day",
        *sim_args(broker, tmp_path, "--speed", "720", "--no-check"),
        ignore_sigint=True,
    )
    try:
        sim.wait_for_line("devices online")
        sim.proc.send_signal(signal.SIGINT)
        assert sim.finish(timeout=30) == 130, sim.output
        assert "interrupted 已中断" in sim.stdout
    finally:
        sim.kill()


def test_a_broker_restart_is_survived(tmp_path: Path, broker) -> None:  # type: ignore[no-untyped-def]
    sim = SimRun(
        "--scenario", "normal-day", *sim_args(broker, tmp_path, "--speed", "8640", "--no-check")
    )
    try:
        sim.wait_for_line("devices online")
        broker.restart()  # same port: the devices come back with paho's backoff
        assert sim.finish() == 0, sim.output
        assert "played normal-day: 60 action(s)" in sim.stdout
        assert "lost the broker, reconnecting" in sim.stderr  # it did notice
        assert "Traceback" not in sim.stderr
    finally:
        sim.kill()


def test_a_broker_gone_for_good_is_one_clear_line(tmp_path: Path, broker) -> None:  # type: ignore[no-untyped-def]
    args = sim_args(broker, tmp_path, "--speed", "2880", "--no-check", "--timeout", "3")
    sim = SimRun("--scenario", "normal-day", *args)
    try:
        sim.wait_for_line("devices online")
        broker.stop()
        assert sim.finish() == 3, sim.output
        last = sim.stdout.strip().splitlines()[-1]
        assert last.startswith(f"lost the broker 127.0.0.1:{broker.port}: "), sim.output
        assert "could not deliver for 3 s" in last
        assert "Traceback" not in sim.stderr and "RuntimeError" not in sim.stderr
    finally:
        sim.kill()
