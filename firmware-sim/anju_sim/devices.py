"""One MQTT client per simulated device, like real firmware: retained status, last will,
reconnect with backoff, a monotonic seq, QoS 1 events and an optional clock skew."""

from __future__ import annotations

import logging
import secrets
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from pydantic import ValidationError

from anju_contracts import DeviceState, GateCommand, GateEvent, GateEventType, utcnow
from anju_contracts.camera import MotionEvent
from anju_contracts.common import format_ts
from anju_contracts.topics import Channel, camera, gate

logger = logging.getLogger(__name__)

BROKER_PATIENCE_S = 20.0  # how long a QoS 1 message may wait for a broker that went away


class BrokerLost(ConnectionError):
    """The broker did not take a message within the patience: it is gone, not just slow."""


def run_token() -> str:
    """A short random token that keeps one run's client ids apart from another's."""
    return secrets.token_hex(3)


class SimDevice(ABC):
    kind = "device"

    def __init__(
        self,
        host: str,
        port: int,
        compound_id: str,
        device_id: str,
        clock_skew_s: float = 0.0,
        protocol: MQTTProtocolVersion = mqtt.MQTTv5,
        run_id: str | None = None,
    ) -> None:
        self.compound_id = compound_id
        self.device_id = device_id
        self.clock_skew = timedelta(seconds=clock_skew_s)
        self.host, self.port = host, port
        self.seq = 0
        self.published = 0
        self.published_bytes = 0
        self._seq_lock = threading.Lock()
        self.connected = threading.Event()
        # Set when the broker has acknowledged what the device listens to (its own status, and
        # a gate's commands): a command sent earlier would be lost.
        self.subscribed = threading.Event()
        self._subscribe_mid: int | None = None
        self._online: mqtt.MQTTMessageInfo | None = None
        self.protocol = protocol
        self.patience_s = BROKER_PATIENCE_S
        # The broker drops the older of two clients with one id: a second simulator playing the
        # same gate (a scenario against the running demo) must not throw the first one off.
        self.client_id = f"sim-{compound_id}-{self.kind}-{device_id}-{run_id or run_token()}"
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=self.client_id, protocol=protocol
        )
        self.client.will_set(self.status_topic, DeviceState.offline.value, qos=1, retain=True)
        # Real controllers back off when the broker is gone instead of hammering it.
        self.client.reconnect_delay_set(min_delay=1, max_delay=30)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_subscribe = self._on_subscribe
        self.client.message_callback_add(self.status_topic, self._on_own_status)

    @abstractmethod
    def topic(self, channel: Channel) -> str: ...

    @property
    def status_topic(self) -> str:
        return self.topic(Channel.status)

    def _on_connect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: object,
        reason: object,
        properties: object,
    ) -> None:
        self._online = client.publish(
            self.status_topic, DeviceState.online.value, qos=1, retain=True
        )
        self.subscribed.clear()
        topics = [self.status_topic, *self.listens_to()]
        _, self._subscribe_mid = client.subscribe([(t, 1) for t in topics])
        self.connected.set()

    def listens_to(self) -> list[str]:
        """Topics the device obeys besides its own status (subscribed on every (re)connect)."""
        return []

    def _on_own_status(self, client: mqtt.Client, userdata: object, msg: mqtt.MQTTMessage) -> None:
        # Another simulator playing this device id ended its run (`stopped`) or crashed
        # (`offline`) while this one lives on: say `online` again, so the retained status — what
        # the edge believes — stays true and the device raises no false device_offline.
        if msg.payload != DeviceState.online.value.encode() and self.connected.is_set():
            logger.info("%s: status said %r while alive; online again", self.device_id, msg.payload)
            client.publish(self.status_topic, DeviceState.online.value, qos=1, retain=True)

    def _on_subscribe(self, client: mqtt.Client, userdata: object, mid: int, *args: object) -> None:
        if mid == self._subscribe_mid:
            self.subscribed.set()

    def _on_disconnect(self, client: mqtt.Client, *args: object) -> None:
        if self.connected.is_set():
            logger.warning("%s: lost the broker, reconnecting", self.device_id)
        self.connected.clear()
        self.subscribed.clear()

    def next_seq(self) -> int:
        with self._seq_lock:
            self.seq += 1
            return self.seq

    def now(self) -> datetime:
        return utcnow() + self.clock_skew

    def _publish(
        self, topic: str, payload: bytes | str, qos: int, properties: Properties | None = None
    ) -> mqtt.MQTTMessageInfo:
        info = self.client.publish(topic, payload, qos=qos, properties=properties)
        if qos > 0 and info.rc == MQTTErrorCode.MQTT_ERR_NO_CONN:
            # paho keeps a QoS 1 message sent while disconnected and sends it after the
            # reconnect; mark it queued so that waiting for it waits for that, not raises.
            info.rc = MQTTErrorCode.MQTT_ERR_SUCCESS
        self.published += 1
        self.published_bytes += len(payload)
        return info

    def _delivered(self, info: mqtt.MQTTMessageInfo) -> None:
        """Wait until the broker has the message; BrokerLost when it stays away too long."""
        try:
            info.wait_for_publish(self.patience_s)
            if info.is_published():
                return
        except (RuntimeError, ValueError) as exc:
            raise BrokerLost(f"{self.device_id}: the broker refused a message: {exc}") from None
        raise BrokerLost(
            f"lost the broker {self.host}:{self.port}: {self.device_id} could not deliver "
            f"for {self.patience_s:g} s"
        )

    def start(self, timeout: float = 10.0) -> None:
        # The first connect is synchronous so a wrong address fails at once (OSError); later
        # drops are retried by paho's loop with backoff.
        self.client.connect(self.host, self.port, keepalive=15)
        self.client.loop_start()
        if not self.connected.wait(timeout):
            self.client.loop_stop()
            raise TimeoutError(f"{self.device_id}: broker {self.host}:{self.port} unreachable")
        if not self.subscribed.wait(timeout):
            self.client.loop_stop()
            raise TimeoutError(f"{self.device_id}: the broker did not acknowledge subscriptions")
        # Started means the broker holds our retained `online` (PUBACK received).
        if self._online is not None:
            self._online.wait_for_publish(timeout)

    def stop(self) -> None:
        """A clean power-off: say `stopped` (not offline: nothing is wrong), then disconnect.
        With the broker gone it just closes; the retained status then stays as it was."""
        was_connected = self.connected.is_set()
        self.connected.clear()  # from here on a disconnect is ours, not a lost broker
        if was_connected:
            info = self.client.publish(
                self.status_topic, DeviceState.stopped.value, qos=1, retain=True
            )
            try:
                info.wait_for_publish(2)
            except (RuntimeError, ValueError):
                logger.warning("%s: could not say stopped: the broker is gone", self.device_id)
        self.client.disconnect()
        self.client.loop_stop()

    def crash(self) -> None:
        """Drop the TCP connection without DISCONNECT so the broker publishes the last will."""
        sock = self.client.socket()
        self.client.loop_stop()
        if sock is not None:
            sock.close()
        self.connected.clear()


class SimGate(SimDevice):
    """A gate controller: publishes access events and obeys ``open`` commands from the edge."""

    kind = "gate"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.commands: list[GateCommand] = []
        self.rejected_commands = 0
        self.on_command: Callable[[GateCommand], None] | None = None
        self.client.message_callback_add(self.topic(Channel.command), self._handle_command)

    def topic(self, channel: Channel) -> str:
        return gate(self.compound_id, self.device_id, channel)

    def listens_to(self) -> list[str]:
        return [self.topic(Channel.command)]

    def _handle_command(self, client: mqtt.Client, userdata: object, msg: mqtt.MQTTMessage) -> None:
        try:
            command = GateCommand.model_validate_json(msg.payload)
        except ValidationError as exc:
            # Firmware ignores what it cannot parse; it never reboots over a bad packet.
            self.rejected_commands += 1
            logger.warning("%s: ignored bad command: %s", self.device_id, exc.errors()[:1])
            return
        self.commands.append(command)
        # Publishing from paho's thread must not wait for the ack: that would deadlock the loop.
        self.emit(
            GateEventType.remote_open, wait=False, command_id=command.command_id, result="granted"
        )
        logger.info("%s: opened for command %s", self.device_id, command.command_id)
        if self.on_command is not None:
            self.on_command(command)

    def emit(self, type_: GateEventType, wait: bool = True, **fields: object) -> GateEvent:
        event = GateEvent(seq=self.next_seq(), ts=self.now(), type=type_, **fields)
        info = self._publish(
            self.topic(Channel.event), event.model_dump_json(exclude_none=True), qos=1
        )
        if wait:
            self._delivered(info)
        return event


class SimCamera(SimDevice):
    """A camera: JPEG snapshots with MQTT 5 user properties ``ts`` and ``seq``."""

    kind = "camera"

    def topic(self, channel: Channel) -> str:
        return camera(self.compound_id, self.device_id, channel)

    def snapshot(self, jpeg: bytes, qos: int = 0) -> mqtt.MQTTMessageInfo:
        props = None
        if self.protocol == mqtt.MQTTv5:
            props = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
            props.UserProperty = [("ts", format_ts(self.now())), ("seq", str(self.next_seq()))]
        return self._publish(self.topic(Channel.snapshot), jpeg, qos=qos, properties=props)

    def motion(self, active: bool, score: float | None = None) -> MotionEvent:
        """The camera's own motion detector changed state (QoS 1: it is an event)."""
        event = MotionEvent(seq=self.next_seq(), ts=self.now(), active=active, score=score)
        self._publish(self.topic(Channel.motion), event.model_dump_json(exclude_none=True), qos=1)
        return event

    def feed(
        self,
        frames: Sequence[bytes],
        fps: float,
        stop: threading.Event,
        on_motion: bool = False,
        motion_frames: Sequence[bool] | None = None,
    ) -> int:
        """Publish `frames` in a loop at `fps` until `stop`; returns how many were sent.

        Periodic mode sends every frame. Motion mode (``on_motion``), like cameras set to save
        bandwidth, sends a frame only while motion is active (``motion_frames[i]``) and
        publishes the motion state on every change.
        """
        sent, active, i = 0, False, 0
        period = 1.0 / fps
        next_at = time.monotonic()
        while not stop.is_set():
            frame = frames[i % len(frames)]
            if on_motion:
                moving = bool(motion_frames[i % len(motion_frames)]) if motion_frames else True
                if moving != active:
                    active = moving
                    self.motion(active, 1.0 if active else 0.0)
                if active:
                    self.snapshot(frame)
                    sent += 1
            else:
                self.snapshot(frame)
                sent += 1
            i += 1
            next_at += period
            if stop.wait(max(0.0, next_at - time.monotonic())):
                break
        return sent
