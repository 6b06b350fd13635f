"""A simulator that checks itself: listen to what the edge raises while a scenario plays, and
compare it with the alerts the scenario declares (``expect``).

The edge publishes every alert it raises on ``anju/<compound>/edge/alerts`` (QoS 1, not
retained) before the uplink takes it to the gateway, so the check works against an edge
without a gateway too. Only alerts about the scenario's own devices count: another simulator
playing other devices of the compound at the same time is not this scenario's business.
"""

from __future__ import annotations

import logging
import threading
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from pydantic import ValidationError

from anju_contracts import Alert, DeviceState
from anju_contracts.topics import Channel, edge
from anju_sim.devices import run_token
from anju_sim.scenario import Scenario

logger = logging.getLogger(__name__)

QUIET_S = 2.0  # after the expected alerts: one more arriving now would be a false alarm

Key = tuple[str, str]  # (alert kind, source id)


def expected_alerts(scenario: Scenario) -> Counter[Key]:
    counts: Counter[Key] = Counter()
    for e in scenario.expect:
        counts[(e.kind.value, e.source_id)] += e.count
    return counts


@dataclass(frozen=True, slots=True)
class CheckResult:
    expected: Counter[Key]
    arrived: Counter[Key]
    broker_dropped: bool = False

    @property
    def missing(self) -> Counter[Key]:
        return self.expected - self.arrived

    @property
    def unexpected(self) -> Counter[Key]:
        return self.arrived - self.expected

    @property
    def ok(self) -> bool:
        return self.arrived == self.expected

    def table(self) -> str:
        """One row per alert kind and device: expected, arrived, missing, unexpected."""
        keys = sorted(set(self.expected) | set(self.arrived))
        head = (
            "alert 告警",
            "device 设备",
            "expected 预期",
            "arrived 收到",
            "missing 缺少",
            "unexpected 多余",
        )
        rows = [
            (
                kind,
                source,
                str(self.expected[(kind, source)]),
                str(self.arrived[(kind, source)]),
                str(self.missing[(kind, source)] or ""),
                str(self.unexpected[(kind, source)] or ""),
            )
            for kind, source in keys
        ]
        if not rows:
            rows = [("(none 无)", "", "0", "0", "", "")]
        widths = [max(_width(r[i]) for r in (head, *rows)) for i in range(len(head))]
        lines = [
            "  ".join(_pad(c, w) for c, w in zip(r, widths, strict=True)).rstrip()
            for r in (head, *rows)
        ]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)


def _width(text: str) -> int:
    """Columns on a terminal: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


class AlertWatcher:
    """Subscribes to the compound's edge status and alerts; counts the alerts about `devices`."""

    def __init__(
        self,
        host: str,
        port: int,
        compound_id: str,
        devices: set[str],
        protocol: MQTTProtocolVersion = mqtt.MQTTv5,
    ) -> None:
        self.devices = devices
        self.status_topic = edge(compound_id, Channel.status)
        self.alerts_topic = edge(compound_id, Channel.alerts)
        self.arrived: Counter[Key] = Counter()
        self.ignored = 0  # alerts about other devices of the compound
        self.edge_state: DeviceState | None = None
        self.edge_online = threading.Event()
        self.subscribed = threading.Event()
        self.dropped = False  # the broker connection dropped at some point
        self._changed = threading.Condition()
        self._subscribe_mid: int | None = None
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"sim-check-{compound_id}-{run_token()}",
            protocol=protocol,
        )
        self.client.reconnect_delay_set(min_delay=1, max_delay=10)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_subscribe = self._on_subscribe
        self.client.message_callback_add(self.status_topic, self._on_status)
        self.client.message_callback_add(self.alerts_topic, self._on_alert)
        self.host, self.port = host, port

    def start(self, timeout: float = 10.0) -> None:
        self.client.connect(self.host, self.port, keepalive=15)
        self.client.loop_start()
        if not self.subscribed.wait(timeout):
            self.client.loop_stop()
            raise TimeoutError(f"broker {self.host}:{self.port}: no answer to subscribe")

    def stop(self) -> None:
        self.subscribed.clear()  # from here on a disconnect is ours, not a lost broker
        self.client.disconnect()
        self.client.loop_stop()

    def _on_connect(self, client: mqtt.Client, *args: object) -> None:
        # Every (re)connect: a broker that restarted has forgotten our subscriptions.
        _, self._subscribe_mid = client.subscribe([(self.status_topic, 1), (self.alerts_topic, 1)])

    def _on_subscribe(self, client: mqtt.Client, userdata: object, mid: int, *args: object) -> None:
        if mid == self._subscribe_mid:
            self.subscribed.set()

    def _on_disconnect(self, client: mqtt.Client, *args: object) -> None:
        if self.subscribed.is_set():
            self.dropped = True
            logger.warning("check: lost the broker; alerts raised meanwhile may be missed")
        self.subscribed.clear()

    def _on_status(self, client: mqtt.Client, userdata: object, msg: mqtt.MQTTMessage) -> None:
        try:
            state = DeviceState(msg.payload.decode("ascii", "replace").strip())
        except ValueError:
            logger.warning("check: edge status %r not understood", msg.payload[:40])
            return
        self.edge_state = state
        if state is DeviceState.online:
            self.edge_online.set()
        else:
            self.edge_online.clear()

    def _on_alert(self, client: mqtt.Client, userdata: object, msg: mqtt.MQTTMessage) -> None:
        try:
            alert = Alert.model_validate_json(msg.payload)
        except ValidationError as exc:
            logger.warning("check: alert not understood: %s", exc.errors()[:1])
            return
        with self._changed:
            if alert.source_id in self.devices:
                self.arrived[(alert.kind.value, alert.source_id)] += 1
                logger.info("alert: %s at %s", alert.kind.value, alert.source_id)
            else:
                self.ignored += 1
            self._changed.notify_all()

    def wait_for(
        self, expected: Counter[Key], timeout: float, quiet: float = QUIET_S
    ) -> Counter[Key]:
        """Wait until every expected alert arrived (or `timeout`), then `quiet` seconds more
        for anything unexpected; returns what arrived."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not self.arrived >= expected:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._changed.wait(left)
        time.sleep(quiet)
        with self._changed:
            return Counter(self.arrived)
