"""The edge service: wires ingest -> rules -> alerts -> outbox -> uplink and runs them.

Threads: paho's network thread (parse and hand on only), the rules worker (gate events and
device supervision), the uplink worker, plus the threads of optional components (detection,
heartbeat, gate console) which register themselves in ``components``.
"""

from __future__ import annotations

import logging
import queue
import signal
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from prometheus_client import start_http_server

from anju_contracts import Alert
from anju_contracts.topics import Channel, edge, edge_subscriptions
from anju_edge.alerts import AlertSink
from anju_edge.config import EdgeConfig
from anju_edge.detect.onnx_detector import load_detector
from anju_edge.detect.pipeline import DetectionPipeline
from anju_edge.devices import DeviceRegistry
from anju_edge.heartbeat import HeartbeatSender
from anju_edge.ingest import FrameSink, GateEventIn, MessageRouter
from anju_edge.metrics import ALERT_LATENCY
from anju_edge.mqtt_link import MqttLink
from anju_edge.outbox import Outbox
from anju_edge.rules.gate_rules import GateRules
from anju_edge.sync import EdgeSyncClient
from anju_edge.uplink import Uplink
from anju_edge.watchlist import WatchlistMatcher

if TYPE_CHECKING:
    from anju_edge.console.component import GateConsole

logger = logging.getLogger(__name__)

GATE_QUEUE_SIZE = 10_000


class Component(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


class EdgeService:
    def __init__(self, config: EdgeConfig) -> None:
        self.config = config
        config.data_dir.mkdir(parents=True, exist_ok=True)
        self.started_at = time.monotonic()
        self.outbox = Outbox(config.data_dir / "outbox.sqlite3", config.outbox.max_bytes)
        self.uplink = Uplink(config.gateway, self.outbox, config.token_path())
        self.sink = AlertSink(config.compound_id, self.outbox)
        self.sink.add_listener(lambda _alert: self.uplink.notify())
        self.sink.add_listener(self._publish_alert)
        self.devices = DeviceRegistry(config)
        # Watchlist and staff from the gateway, kept on disk for when the uplink is down.
        self.sync = EdgeSyncClient(
            config.gateway, config.token_path(), config.data_dir, config.compound_id
        )
        self.watchlist = WatchlistMatcher(self.sync.current)
        self.gate_rules = GateRules(config.gate_rules, watchlist=self.watchlist)
        self.gate_events: queue.Queue[GateEventIn] = queue.Queue(GATE_QUEUE_SIZE)
        self.gate_event_listeners: list[Callable[[GateEventIn], None]] = []
        self.router = MessageRouter(
            config.compound_id,
            self.devices,
            self.gate_events,
            max_snapshot_bytes=config.detector.max_snapshot_bytes,
        )
        self.mqtt = MqttLink(
            config.broker,
            config.compound_id,
            edge_subscriptions(config.compound_id),
            self.router.handle,
        )
        self.alerts_topic = edge(config.compound_id, Channel.alerts)
        self.components: list[Component] = []
        self.components.append(self.sync)
        self.pipeline = self._detection_pipeline()
        if self.pipeline is not None:
            self.components.append(self.pipeline)
            self.set_frame_sink(self.pipeline.submit)
        # RTSP and HTTP snapshot cameras: readers hand decoded frames to the same slots.
        from anju_edge.camera.sources import CameraSources

        self.sources = CameraSources(
            config, self.devices, self.sink, self.pipeline.submit_image if self.pipeline else None
        )
        if self.sources.active:
            self.components.append(self.sources)
        pipeline = self.pipeline
        self.heartbeat = HeartbeatSender(
            config, self.outbox, self.devices, lambda: pipeline.fps if pipeline else 0.0
        )
        self.components.append(self.heartbeat)
        self.console: GateConsole | None = None
        if config.console.port:
            from anju_edge.console.component import GateConsole

            self.console = GateConsole(self)
            self.components.append(self.console)
        self._stop = threading.Event()
        self._rules_thread: threading.Thread | None = None

    def _detection_pipeline(self) -> DetectionPipeline | None:
        """Cameras with rules need the model; without it the box still runs its gate rules."""
        if not any(c.rules for c in self.config.cameras):
            return None
        det = self.config.detector
        try:
            detector = load_detector(det.model, det.models_dir, det.threads)
        except (OSError, KeyError, ValueError) as exc:
            logger.error("camera detection disabled: %s", exc)
            return None
        return DetectionPipeline(self.config, detector, self.sink)

    def set_frame_sink(self, sink: FrameSink) -> None:
        self.router.frame_sink = sink

    def _publish_alert(self, alert: Alert) -> None:
        self.mqtt.publish(self.alerts_topic, alert.model_dump_json(), qos=1)

    def start(self) -> None:
        if self.config.metrics_port:
            start_http_server(self.config.metrics_port, addr="127.0.0.1")
        self._rules_thread = threading.Thread(target=self._rules_loop, name="rules", daemon=True)
        self._rules_thread.start()
        for component in self.components:
            component.start()
        self.uplink.start()
        self.mqtt.start()
        logger.info("edge service for compound %s started", self.config.compound_id)

    def stop(self) -> None:
        self._stop.set()
        self.mqtt.stop()
        for component in reversed(self.components):
            component.stop()
        if self._rules_thread is not None:
            self._rules_thread.join(timeout=5)
        self.uplink.stop()
        self.outbox.close()
        logger.info("edge service stopped")

    def run_forever(self) -> None:
        def _graceful(signum: int, _frame: object) -> None:
            logger.info("signal %d: stopping", signum)
            self._stop.set()

        signal.signal(signal.SIGTERM, _graceful)
        signal.signal(signal.SIGINT, _graceful)
        self.start()
        try:
            while not self._stop.wait(1.0):
                pass
        finally:
            self.stop()

    def _rules_loop(self) -> None:
        next_check = 0.0
        while not self._stop.is_set():
            try:
                item = self.gate_events.get(timeout=0.5)
            except queue.Empty:
                item = None
            try:
                if item is not None:
                    self._on_gate_event(item)
                now = time.monotonic()
                if now >= next_check:
                    next_check = now + 1.0
                    for draft in self.devices.offline_drafts(now):
                        self.sink.raise_alert(draft)
            except Exception:
                logger.exception("rules worker failed on an item")

    def _on_gate_event(self, item: GateEventIn) -> None:
        for draft in self.gate_rules.evaluate(item.gate_id, item.event):
            if self.sink.raise_alert(draft) is not None:
                ALERT_LATENCY.observe(time.monotonic() - item.arrived)
        # Committed (or nothing to raise): now the broker may forget the event. If raising
        # failed, the exception skips this and the broker delivers the event again.
        item.ack()
        for listener in self.gate_event_listeners:
            try:
                listener(item)
            except Exception:
                logger.exception("gate event listener failed")
