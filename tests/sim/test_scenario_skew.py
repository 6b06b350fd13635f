"""A scenario can declare devices whose clocks are off; their events carry the skewed time."""

from __future__ import annotations

import queue
from datetime import timedelta

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from anju_contracts import GateEvent, utcnow
from anju_sim.scenario import ScenarioRunner, load_scenario


def test_skewed_gate_in_a_scenario_sends_skewed_times(broker):  # type: ignore[no-untyped-def]
    day = load_scenario("normal-day")
    assert day.clock_skew_s == {"garage-gate": -95}
    runner = ScenarioRunner(day, "127.0.0.1", broker.port, "c1", speed=86_400 / 2, seed=2)
    got: queue.Queue[bytes] = queue.Queue()
    subscribed = queue.Queue[int]()
    sub = mqtt.Client(CallbackAPIVersion.VERSION2)
    sub.on_message = lambda c, u, m: got.put(m.payload)
    sub.on_subscribe = lambda c, u, mid, *a: subscribed.put(mid)
    sub.connect("127.0.0.1", broker.port)
    sub.loop_start()
    sub.subscribe("anju/c1/gate/garage-gate/event", qos=1)
    subscribed.get(timeout=5)
    runner.start_devices()
    try:
        runner.play()
        event = GateEvent.model_validate_json(got.get(timeout=5))
        lag = utcnow() - event.ts
        assert timedelta(seconds=90) < lag < timedelta(seconds=100)
    finally:
        runner.stop_devices()
        sub.disconnect()
        sub.loop_stop()
