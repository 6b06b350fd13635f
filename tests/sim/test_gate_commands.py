"""A simulated gate obeys an open command on its command topic and answers with remote_open."""

from __future__ import annotations

import queue

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from anju_contracts import GateCommand, GateEvent, GateEventType, utcnow
from anju_contracts.topics import Channel, gate
from anju_sim.devices import SimGate
from tests.support.servers import wait_until


def _listener(port: int, topic: str) -> tuple[mqtt.Client, queue.Queue[bytes]]:
    got: queue.Queue[bytes] = queue.Queue()
    ready = queue.Queue[int]()
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.on_message = lambda c, u, m: got.put(m.payload)
    client.on_subscribe = lambda c, u, mid, rc, p: ready.put(mid)
    client.connect("127.0.0.1", port)
    client.loop_start()
    client.subscribe(topic, qos=1)
    ready.get(timeout=5)
    return client, got


def test_gate_obeys_open_command(broker):  # type: ignore[no-untyped-def]
    sim = SimGate("127.0.0.1", broker.port, "c1", "g1")
    sim.start()
    listener, events = _listener(broker.port, gate("c1", "g1", Channel.event))
    try:
        cmd = GateCommand(command_id="cmd-42", ts=utcnow(), issued_by="guard1", reason="访客")
        listener.publish(gate("c1", "g1", Channel.command), cmd.model_dump_json(), qos=1)
        payload = events.get(timeout=5)
        event = GateEvent.model_validate_json(payload)
        assert event.type is GateEventType.remote_open
        assert event.command_id == "cmd-42"
        assert [c.command_id for c in sim.commands] == ["cmd-42"]
        # A malformed command is ignored, counted, and the gate keeps serving.
        listener.publish(gate("c1", "g1", Channel.command), b"{not json", qos=1)
        wait_until(lambda: sim.rejected_commands == 1, message="bad command counted")
        cmd2 = GateCommand(command_id="cmd-43", ts=utcnow(), issued_by="guard1", reason="x")
        listener.publish(gate("c1", "g1", Channel.command), cmd2.model_dump_json(), qos=1)
        second = GateEvent.model_validate_json(events.get(timeout=5))
        assert second.command_id == "cmd-43" and second.seq == event.seq + 1
    finally:
        listener.loop_stop()
        listener.disconnect()
        sim.stop()
