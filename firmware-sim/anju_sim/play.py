"""`anju sim run` without the command line: play a scenario and check what the edge raised.

Exit codes: 0 exactly the expected alerts (or played, with the check off); 1 something missing
or unexpected, or no edge online to raise anything; 3 the broker unreachable or lost.
Interrupted (Ctrl-C): the devices still say `stopped` on the way out; 130.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import paho.mqtt.client as mqtt

from anju_sim.check import AlertWatcher, CheckResult, expected_alerts
from anju_sim.devices import BrokerLost, SimDevice
from anju_sim.scenario import Scenario, ScenarioRunner

Echo = Callable[[str], object]

OK, FAILED, BROKER = 0, 1, 3
INTERRUPTED = 130


@dataclass(frozen=True, slots=True)
class PlayOptions:
    host: str
    port: int
    compound_id: str
    mqtt5: bool = True
    speed: float = 1.0
    seed: int = 1
    check: bool = True
    timeout: float = 30.0

    @property
    def broker_url(self) -> str:
        return f"mqtt://{self.host}:{self.port}"


def describe_expected(scenario: Scenario) -> str:
    return ", ".join(f"{e.count} x {e.kind.value}@{e.source_id}" for e in scenario.expect)


def play_scenario(scenario: Scenario, options: PlayOptions, echo: Echo) -> int:
    devices = set(scenario.gates) | set(scenario.cameras)
    proto = mqtt.MQTTv5 if options.mqtt5 else mqtt.MQTTv311
    watcher = None
    runner = ScenarioRunner(
        scenario,
        options.host,
        options.port,
        options.compound_id,
        options.speed,
        options.seed,
        mqtt5=options.mqtt5,
    )
    for device in runner.devices.values():
        if isinstance(device, SimDevice):
            device.patience_s = options.timeout  # a broker away longer than this is lost
    try:
        if options.check:
            # Listening before the first device speaks: no alert can slip by.
            watcher = AlertWatcher(options.host, options.port, options.compound_id, devices, proto)
            watcher.start()
        runner.start_devices()
    except (OSError, TimeoutError) as exc:
        runner.stop_devices()
        if watcher is not None:
            watcher.stop()
        echo(f"cannot reach the broker {options.broker_url}: {exc}")
        return BROKER
    echo(f"devices online 设备已上线: {', '.join(sorted(devices)) or '-'}")
    try:
        return _play_and_check(scenario, options, runner, watcher, echo)
    except BrokerLost as exc:
        echo(str(exc))
        return BROKER
    except KeyboardInterrupt:
        echo("interrupted 已中断")
        return INTERRUPTED
    finally:
        runner.stop_devices()
        if watcher is not None:
            watcher.stop()


def _play_and_check(
    scenario: Scenario,
    options: PlayOptions,
    runner: ScenarioRunner,
    watcher: AlertWatcher | None,
    echo: Echo,
) -> int:
    # The edge's retained status follows the subscription's acknowledgement by a moment.
    if watcher is not None and not watcher.edge_online.wait(min(1.0, options.timeout)):
        echo(f"waiting for the edge of compound {options.compound_id} ({watcher.status_topic})")
        if not watcher.edge_online.wait(options.timeout):
            state = watcher.edge_state.value if watcher.edge_state else "never seen"
            echo(
                f"no edge online for compound {options.compound_id} after {options.timeout:g} s "
                f"(its status: {state}); nothing can raise the alerts. "
                "Start the edge, or play only with --no-check."
            )
            return FAILED
    done = runner.play()
    echo(
        f"played {scenario.name}: {done} action(s); "
        f"expected alerts: {describe_expected(scenario) or 'none'}"
    )
    if watcher is None:
        return OK
    expected = expected_alerts(scenario)
    arrived = watcher.wait_for(expected, options.timeout)
    result = CheckResult(expected, arrived, broker_dropped=watcher.dropped)
    if result.ok:
        echo("check 核对: OK 通过 — exactly the expected alerts arrived")
        echo(result.table())
        return OK
    missing, unexpected = sum(result.missing.values()), sum(result.unexpected.values())
    echo(f"check 核对: FAILED 未通过 — {missing} missing 缺少, {unexpected} unexpected 多余")
    echo(result.table())
    if missing:
        echo(
            "a missing alert: is the edge configured for the scenario's devices and rules "
            f"(anju sim edge-config --scenario {scenario.name})? An alert repeated within its "
            "rule's cooldown (e.g. gate_rules.cooldown_s, 60 s) is suppressed by the edge."
        )
    if result.broker_dropped:
        echo("the broker connection dropped during the run: alerts raised meanwhile were missed")
    return FAILED
