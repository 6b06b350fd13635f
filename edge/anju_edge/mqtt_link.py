"""The edge's connection to its local Mosquitto: persistent QoS 1 session, last will, resubscribe.

Callbacks run on paho's network thread, so they only hand work on and never raise.
"""

from __future__ import annotations

import contextlib
import logging
import ssl
import threading
from collections.abc import Callable

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from anju_contracts import DeviceState
from anju_contracts.topics import Channel, edge
from anju_edge.config import BrokerConfig
from anju_edge.metrics import MQTT_CONNECTED

logger = logging.getLogger(__name__)

Ack = Callable[[], None]
MessageHandler = Callable[[str, bytes, Properties | None, Ack], None]

SESSION_EXPIRY_S = 7 * 24 * 3600


class MqttLink:
    def __init__(
        self,
        config: BrokerConfig,
        compound_id: str,
        subscriptions: list[str],
        on_message: MessageHandler,
    ) -> None:
        self.config = config
        self.subscriptions = subscriptions
        self.status_topic = edge(compound_id, Channel.status)
        self._on_message_cb = on_message
        self.connected = threading.Event()
        # Set once the broker has acknowledged our subscriptions: only then does a message
        # published to the compound reach us (``connected`` alone is too early for that).
        self.subscribed = threading.Event()
        self._subscribe_mid: int | None = None
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=config.client_id,
            protocol=mqtt.MQTTv5 if config.protocol == "5" else mqtt.MQTTv311,
            # MQTT 3.1.1 keeps the QoS 1 session with clean_session=False instead.
            clean_session=None if config.protocol == "5" else False,
            # A QoS 1 gate event is acknowledged to the broker only after its alert is
            # committed, so a crash in between makes the broker deliver it again.
            manual_ack=True,
        )
        if config.username:
            client.username_pw_set(config.username, config.password)
        if config.tls_ca:
            client.tls_set(ca_certs=str(config.tls_ca), tls_version=ssl.PROTOCOL_TLS_CLIENT)
        client.will_set(self.status_topic, DeviceState.offline.value, qos=1, retain=True)
        client.reconnect_delay_set(min_delay=1, max_delay=30)
        client.max_queued_messages_set(10_000)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_subscribe = self._on_subscribe
        self.client = client

    def start(self) -> None:
        if self.config.protocol == "3.1.1":
            self.client.connect_async(
                self.config.host, self.config.port, keepalive=self.config.keepalive_s
            )
            self.client.loop_start()
            return
        props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        props.SessionExpiryInterval = SESSION_EXPIRY_S
        self.client.connect_async(
            self.config.host,
            self.config.port,
            keepalive=self.config.keepalive_s,
            clean_start=False,
            properties=props,
        )
        self.client.loop_start()

    def stop(self) -> None:
        if self.connected.is_set():
            info = self.client.publish(
                self.status_topic, DeviceState.stopped.value, qos=1, retain=True
            )
            with contextlib.suppress(RuntimeError, ValueError):
                info.wait_for_publish(timeout=2)
        self.client.disconnect()
        self.client.loop_stop()
        MQTT_CONNECTED.set(0)

    def publish(self, topic: str, payload: bytes | str, qos: int = 1, retain: bool = False) -> None:
        self.client.publish(topic, payload, qos=qos, retain=retain)

    def _on_connect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: mqtt.ConnectFlags,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if reason.is_failure:
            logger.error("broker refused the connection: %s", reason)
            return
        # Subscribe on every connect: a broker that lost our session has no subscriptions.
        self.subscribed.clear()
        _, self._subscribe_mid = client.subscribe([(topic, 1) for topic in self.subscriptions])
        client.publish(self.status_topic, DeviceState.online.value, qos=1, retain=True)
        MQTT_CONNECTED.set(1)
        self.connected.set()
        logger.info(
            "connected to broker %s:%d (session present: %s)",
            self.config.host,
            self.config.port,
            flags.session_present,
        )

    def _on_disconnect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: mqtt.DisconnectFlags,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        self.connected.clear()
        self.subscribed.clear()
        MQTT_CONNECTED.set(0)
        logger.warning("disconnected from broker: %s; paho reconnects with backoff", reason)

    def _on_subscribe(
        self,
        client: mqtt.Client,
        userdata: object,
        mid: int,
        reason_codes: list[ReasonCode],
        properties: Properties | None,
    ) -> None:
        if mid != self._subscribe_mid:
            return
        refused = [
            topic
            for topic, code in zip(self.subscriptions, reason_codes, strict=False)
            if code.is_failure
        ]
        if refused:
            # An ACL that denies a topic: the edge runs on, blind to those devices, and says so.
            logger.error("broker refused subscriptions: %s", ", ".join(refused))
        self.subscribed.set()

    def _on_message(self, client: mqtt.Client, userdata: object, msg: mqtt.MQTTMessage) -> None:
        mid, qos = msg.mid, msg.qos
        acked = False

        def ack() -> None:
            nonlocal acked
            if not acked and qos > 0:
                acked = True
                client.ack(mid, qos)

        try:
            self._on_message_cb(
                msg.topic, bytes(msg.payload), getattr(msg, "properties", None), ack
            )
        except Exception:
            logger.exception("message handler failed on %s", msg.topic[:120])
            ack()
