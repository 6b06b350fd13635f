"""Load mode: N compounds x M cameras x K gates publishing at set rates, for benchmarks.

It reports what it sent (messages, bytes, rates) so a benchmark can compare sent and received.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from anju_contracts import GateEvent, GateEventType, GateResult, utcnow
from anju_contracts.topics import Channel, camera, gate
from anju_sim.devices import run_token
from anju_sim.scenario import media


@dataclass
class LoadReport:
    gate_events: int = 0
    snapshots: int = 0
    bytes: int = 0
    seconds: float = 0.0
    per_topic: dict[str, int] = field(default_factory=dict)

    @property
    def messages(self) -> int:
        return self.gate_events + self.snapshots

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        return (
            f"sent {self.gate_events} gate events and {self.snapshots} snapshots "
            f"({self.bytes / 1e6:.1f} MB) in {self.seconds:.1f} s: {self.rate:.0f} msg/s"
        )


@dataclass(frozen=True)
class LoadSpec:
    compounds: int = 1
    cameras: int = 2
    gates: int = 2
    gate_rate: float = 1.0  # events per second per gate
    camera_fps: float = 1.0  # snapshots per second per camera
    duration: float = 10.0
    image: str = "plaza.jpg"
    seed: int = 1
    snapshot_bytes: int = 0  # 0: the picture as it is; otherwise padded or re-encoded to this


def jpeg_of_size(jpeg: bytes, size: int) -> bytes:
    """A valid JPEG of exactly `size` bytes: the picture, padded with comment (COM) segments.

    Decoders skip COM segments, so the edge decodes the same image whatever the payload size.
    A target smaller than the picture is an error: pick a smaller picture instead.
    """
    if size < len(jpeg):
        raise ValueError(f"{size} bytes is smaller than the {len(jpeg)}-byte picture")
    pad = size - len(jpeg)
    segments = []
    if 0 < pad < 4:
        # Too small for a segment: 0xFF fill bytes before the next marker are legal (T.81 B.1.1.2).
        segments.append(b"\xff" * pad)
        pad = 0
    while pad > 0:
        # A segment is marker (2) + length (2) + data; length counts itself, at most 65535.
        total = min(pad, 65537)
        if 0 < pad - total < 4:
            total = pad - 4  # leave room for one last minimal segment
        data_len = total - 4
        segments.append(b"\xff\xfe" + (data_len + 2).to_bytes(2, "big") + b"\0" * data_len)
        pad -= total
    return jpeg[:2] + b"".join(segments) + jpeg[2:]


def run_load(
    spec: LoadSpec, host: str, port: int, stop: threading.Event | None = None
) -> LoadReport:
    """One MQTT connection publishes for every simulated device (load, not device behaviour)."""
    stop = stop or threading.Event()
    rng = random.Random(spec.seed)
    jpeg = media(spec.image)
    if spec.snapshot_bytes:
        jpeg = jpeg_of_size(jpeg, spec.snapshot_bytes)
    client_id = f"anju-load-{spec.seed}-{run_token()}"  # two loads at once: two clients
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id)
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.connect(host, port)
    client.loop_start()
    report = LoadReport()
    schedule: list[tuple[float, str, str]] = []
    for c in range(spec.compounds):
        compound = f"load-{c:03d}"
        for g in range(spec.gates):
            if spec.gate_rate > 0:
                schedule.append((rng.uniform(0, 1 / spec.gate_rate), "gate", f"{compound}/g{g}"))
        for k in range(spec.cameras):
            if spec.camera_fps > 0:
                schedule.append((rng.uniform(0, 1 / spec.camera_fps), "cam", f"{compound}/cam{k}"))
    seq = 0
    t0 = time.monotonic()
    infos = []
    while not stop.is_set() and schedule:
        schedule.sort()
        due, kind, name = schedule[0]
        if due >= spec.duration:
            break
        wait = t0 + due - time.monotonic()
        if wait > 0 and stop.wait(wait):
            break
        compound, device = name.split("/")
        if kind == "gate":
            seq += 1
            event = GateEvent(
                seq=seq,
                ts=utcnow(),
                type=GateEventType.card_swipe,
                result=GateResult.granted,
                credential=f"C-{rng.randint(1, 99999)}",
            )
            topic = gate(compound, device, Channel.event)
            payload: bytes = event.model_dump_json().encode()
            infos.append(client.publish(topic, payload, qos=1))
            report.gate_events += 1
            step = 1 / spec.gate_rate
        else:
            topic, payload = camera(compound, device, Channel.snapshot), jpeg
            infos.append(client.publish(topic, payload, qos=0))
            report.snapshots += 1
            step = 1 / spec.camera_fps
        report.bytes += len(payload)
        report.per_topic[topic] = report.per_topic.get(topic, 0) + 1
        schedule[0] = (due + step, kind, name)
    for info in infos:
        info.wait_for_publish(30)
    report.seconds = time.monotonic() - t0
    client.disconnect()
    client.loop_stop()
    return report
