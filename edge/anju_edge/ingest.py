"""The boundary of the edge: every MQTT message is parsed and validated here, on paho's thread,
then handed on. Bad input is refused, counted by reason and logged at most once a minute."""

from __future__ import annotations

import logging
import queue
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from paho.mqtt.properties import Properties
from pydantic import ValidationError

from anju_common.ratelog import RateLimitedLog
from anju_contracts import (
    Channel,
    DeviceKind,
    GateEvent,
    MotionEvent,
    PayloadError,
    RejectReason,
    SnapshotMeta,
    TopicError,
    parse_json_payload,
    parse_status,
    parse_topic,
    utcnow,
)
from anju_edge.devices import DeviceRegistry
from anju_edge.metrics import CAMERA_BYTES, MESSAGES, QUEUE_DROPPED, REJECTED

logger = logging.getLogger(__name__)
_ratelog = RateLimitedLog(logger)

_MQTT_BYTES = CAMERA_BYTES.labels(source="mqtt")


@dataclass(frozen=True, slots=True)
class GateEventIn:
    gate_id: str
    event: GateEvent
    arrived: float  # time.monotonic() at arrival, for latency
    ack: Callable[[], None] = field(default=lambda: None, compare=False)
    """Tells the broker we have it: call only once the event's alerts are committed."""
    received: datetime = field(default_factory=utcnow)
    """The box's clock when the event arrived: used instead of a device clock that is off."""
    topic: str = ""
    payload: bytes = b""  # as received, for the dead-letter table


DEFERRED = object()

FrameSink = Callable[[str, bytes, SnapshotMeta, float], None]
"""(camera_id, jpeg bytes, metadata, arrival monotonic time); must not block."""


def _snapshot_meta(properties: Properties | None) -> SnapshotMeta:
    pairs = getattr(properties, "UserProperty", None) or []
    data = {k: v for k, v in pairs if k in ("ts", "seq")}
    return SnapshotMeta.model_validate(data)


class MessageRouter:
    def __init__(
        self,
        compound_id: str,
        devices: DeviceRegistry,
        gate_events: queue.Queue[GateEventIn],
        max_snapshot_bytes: int,
        frame_sink: FrameSink | None = None,
    ) -> None:
        self.compound_id = compound_id
        self.devices = devices
        self.gate_events = gate_events
        self.max_snapshot_bytes = max_snapshot_bytes
        self.frame_sink = frame_sink

    def reject(self, reason: RejectReason, topic: str, message: str) -> None:
        REJECTED.labels(reason=reason.value).inc()
        _ratelog.warning(
            reason.value, "refused message on %s: %s: %s", topic[:120], reason.value, message[:200]
        )

    def handle(
        self,
        topic: str,
        payload: bytes,
        properties: Properties | None = None,
        ack: Callable[[], None] | None = None,
    ) -> None:
        """Every message is acknowledged here, except a valid gate event, whose
        acknowledgement travels with it to the rules worker."""
        ack = ack or (lambda: None)
        if self._route(topic, payload, properties, ack) is not DEFERRED:
            ack()

    def _route(
        self, topic: str, payload: bytes, properties: Properties | None, ack: Callable[[], None]
    ) -> object:
        arrived = time.monotonic()
        try:
            t = parse_topic(topic)
        except TopicError as exc:
            self.reject(RejectReason.bad_topic, topic, str(exc))
            return None
        if t.compound_id != self.compound_id:
            self.reject(RejectReason.bad_topic, topic, f"not this compound ({self.compound_id})")
            return None
        if t.kind is DeviceKind.edge or t.device_id is None:
            return None  # our own publications
        if not self.devices.known(t.kind.value, t.device_id):
            self.reject(RejectReason.unknown_device, topic, "device is not in the configuration")
            return None
        try:
            if t.channel is Channel.status:
                self.devices.update(t.kind.value, t.device_id, parse_status(payload))
            elif t.channel is Channel.event:
                event = parse_json_payload(GateEvent, payload)
                self.devices.seen("gate", t.device_id)
                item = GateEventIn(t.device_id, event, arrived, ack, utcnow(), topic, payload)
                if not self._enqueue(item):
                    return None
                MESSAGES.labels(channel=t.channel.value).inc()
                return DEFERRED
            elif t.channel is Channel.snapshot:
                self._snapshot(topic, t.device_id, payload, properties, arrived)
            elif t.channel is Channel.motion:
                parse_json_payload(MotionEvent, payload)
                self.devices.seen("camera", t.device_id)
            else:
                return None
        except PayloadError as exc:
            self.reject(exc.reason, topic, exc.message)
            return None
        except ValueError as exc:  # status payloads
            self.reject(RejectReason.schema, topic, str(exc))
            return None
        MESSAGES.labels(channel=t.channel.value).inc()
        return None

    def _enqueue(self, item: GateEventIn) -> bool:
        try:
            self.gate_events.put_nowait(item)
        except queue.Full:
            QUEUE_DROPPED.labels(queue="gate_events").inc()
            _ratelog.warning(
                "gate-queue-full", "gate event queue full: dropped one from %s", item.gate_id
            )
            return False
        return True

    def _snapshot(
        self,
        topic: str,
        camera_id: str,
        payload: bytes,
        properties: Properties | None,
        arrived: float,
    ) -> None:
        if len(payload) > self.max_snapshot_bytes:
            raise PayloadError(
                RejectReason.too_large, f"{len(payload)} bytes > limit {self.max_snapshot_bytes}"
            )
        if not payload:
            raise PayloadError(RejectReason.bad_image, "empty snapshot")
        try:
            meta = _snapshot_meta(properties)
        except ValidationError as exc:
            raise PayloadError(
                RejectReason.schema, f"snapshot properties: {exc.errors()[0]['msg']}"
            ) from None
        self.devices.seen("camera", camera_id)
        _MQTT_BYTES.inc(len(payload))
        if self.frame_sink is not None:
            self.frame_sink(camera_id, payload, meta, arrived)
