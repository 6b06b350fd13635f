"""The edge service: wires the rooms together and runs them. It holds no logic of its own.

The door (``mqtt_link``, ``ingest``) hands gate events to the gate worker (``gate/``) and
frames to the camera pipeline (``camera/``); both raise alerts into the one sink (``alerts``),
which commits them to the outbox, wakes the uplink (``delivery/``) and publishes them on the
broker; the gate console (``console/``) listens to both paths.

Threads: paho's network thread (parse and hand on only), the rules worker (gate events and
device supervision), the uplink worker, plus the threads of the components (sync, detection,
pulled camera sources, heartbeat, gate console) listed in ``components``.
"""

from __future__ import annotations

import logging
import queue
import signal
import threading
from typing import TYPE_CHECKING, Protocol

from prometheus_client import start_http_server

from anju_contracts import Alert, GateCommand
from anju_contracts.topics import Channel, edge, edge_subscriptions, gate
from anju_edge.alerts import AlertDraft, AlertSink
from anju_edge.camera.pipeline import DetectionPipeline
from anju_edge.config import EdgeConfig
from anju_edge.delivery.heartbeat import HeartbeatSender
from anju_edge.delivery.outbox import Outbox
from anju_edge.delivery.sync import EdgeSyncClient
from anju_edge.delivery.uplink import Uplink
from anju_edge.detect.onnx_detector import load_detector
from anju_edge.devices import DeviceRegistry
from anju_edge.gate.clock import CheckedEvent, ClockCheck
from anju_edge.gate.rules import GateRules
from anju_edge.gate.watchlist import WatchlistMatcher
from anju_edge.gate.worker import QUEUE_SIZE, GateWorker
from anju_edge.ingest import FrameSink, GateEventIn, MessageRouter
from anju_edge.mqtt_link import MqttLink
from anju_edge.passages.records import passage_of
from anju_edge.passages.store import PassageQueue
from anju_edge.passages.uplink import PassageUplink
from anju_edge.state.keeper import DeviceStateKeeper
from anju_edge.state.store import DeviceStateStore

if TYPE_CHECKING:
    from anju_edge.camera.sources import CameraSources
    from anju_edge.console.component import GateConsole

logger = logging.getLogger(__name__)


class Component(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


class EdgeService:
    def __init__(self, config: EdgeConfig) -> None:
        self.config = config
        config.data_dir.mkdir(parents=True, exist_ok=True)
        # Delivery: the outbox, the uplink that drains it, and the one sink both paths feed.
        self.outbox = Outbox(config.data_dir / "outbox.sqlite3", config.outbox.max_bytes)
        self.uplink = Uplink(config.gateway, self.outbox, config.token_path())
        self.sink = AlertSink(config.compound_id, self.outbox, gb_codes=config.gb_codes())
        self.sink.add_listener(lambda _alert: self.uplink.notify())
        self.sink.add_listener(self._publish_alert)
        self.devices = DeviceRegistry(config)
        # Supervision state survives a restart: an outage is not reported twice.
        self.device_state = DeviceStateStore(config.data_dir / "state.sqlite3")
        self.devices.restore(self.device_state.load())
        self.device_keeper = DeviceStateKeeper(self.device_state, self.devices.changed)
        # Watchlist and staff from the gateway, kept on disk for when the uplink is down.
        self.sync = EdgeSyncClient(
            config.gateway, config.token_path(), config.data_dir, config.compound_id
        )
        # The gate path.
        self.watchlist = WatchlistMatcher(self.sync.current)
        self.gate_rules = GateRules(config.gate_rules, watchlist=self.watchlist)
        self.gate_events: queue.Queue[GateEventIn] = queue.Queue(QUEUE_SIZE)
        self.gate = GateWorker(
            self.gate_events,
            self.gate_rules,
            self.sink.raise_alert,
            self._due_drafts,
            clock=ClockCheck(config.clock_skew_s),
            dead_letter=self.outbox.dead_message,
        )
        # Passage records (智能卡口): only while the gateway has the compound's switch on.
        self.passages = PassageQueue(config.data_dir / "passages.sqlite3")
        self.passage_uplink = PassageUplink(
            config.gateway, self.passages, config.token_path(), self.passage_upload
        )
        self.gate.before_ack.append(self._record_passage)
        self.sync.listeners.append(lambda _sync: self.passage_uplink.kick())
        # The door.
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
        self.components: list[Component] = [self.sync]
        # The camera path.
        self.pipeline = self._detection_pipeline()
        if self.pipeline is not None:
            self.components.append(self.pipeline)
            self.set_frame_sink(self.pipeline.submit)
        self.sources = self._camera_sources()
        if self.sources is not None:
            self.components.append(self.sources)
        pipeline = self.pipeline
        self.heartbeat = HeartbeatSender(
            config,
            self.outbox,
            self.devices,
            lambda: pipeline.fps if pipeline else 0.0,
            storage_failing=lambda: self.gate.storage_failing,
        )
        self.components.append(self.heartbeat)
        # A delivered heartbeat or sync proves the gateway is back: the uplink stops waiting.
        self.heartbeat.on_reachable.append(self.uplink.kick)
        self.sync.on_reachable.append(self.uplink.kick)
        self.sync.on_reachable.append(self.passage_uplink.kick)
        self.console = self._gate_console()
        if self.console is not None:
            self.components.append(self.console)
        self._stop = threading.Event()

    def _detection_pipeline(self) -> DetectionPipeline | None:
        """Cameras with rules need the model; without it the box still runs its gate rules."""
        if not any(c.rules for c in self.config.cameras):
            return None
        det = self.config.detector
        try:
            detector = load_detector(det.model, det.models_dir, det.threads, det.precision)
        except (OSError, KeyError, ValueError) as exc:
            logger.error("camera detection disabled: %s", exc)
            return None
        return DetectionPipeline(self.config, detector, self.sink)

    def _camera_sources(self) -> CameraSources | None:
        """RTSP and HTTP snapshot cameras: readers hand decoded frames to the same slots."""
        if all(c.source.type == "mqtt" for c in self.config.cameras):
            return None
        from anju_edge.camera.sources import CameraSources  # PyAV (FFmpeg) only when pulled

        pipeline = self.pipeline
        return CameraSources(
            self.config, self.devices, self.sink, pipeline.submit_image if pipeline else None
        )

    def _gate_console(self) -> GateConsole | None:
        if not self.config.console.port:
            return None
        from anju_edge.console.component import GateConsole  # its web stack only when served

        console = GateConsole(
            self.config,
            staff=self.sync.staff,
            routing=self.sync.routing,
            device_health=self.devices.health,
            send_command=self._send_gate_command,
            queued_alerts=self.outbox.depth,
            passage_upload=self.passage_upload,
        )
        self.gate.listeners.append(console.enqueue)
        self.heartbeat.on_reachable.append(console.gateway_reached)
        self.sync.on_reachable.append(console.gateway_reached)
        self.sink.add_listener(console.enqueue)
        return console

    def _due_drafts(self, now: float) -> list[AlertDraft]:
        # The previous round's drafts are committed by now: save the state that led to them.
        self.device_keeper.save()
        return self.devices.offline_drafts(now)

    def passage_upload(self) -> bool:
        current = self.sync.current()
        return current is not None and current.passage_upload

    def _record_passage(self, gate_id: str, checked: CheckedEvent) -> bool:
        if not self.passage_upload():
            return False  # off: nothing about vehicles leaves the box
        code = self.config.gb_codes().get(f"gate:{gate_id}")
        record = passage_of(self.config.compound_id, gate_id, checked.event, code)
        if record is None:
            return False
        if self.passages.put(record, checked.source_key):
            self.passage_uplink.notify()
        return True

    def set_frame_sink(self, sink: FrameSink) -> None:
        self.router.frame_sink = sink

    def _publish_alert(self, alert: Alert) -> None:
        self.mqtt.publish(self.alerts_topic, alert.model_dump_json(), qos=1)

    def _send_gate_command(self, gate_id: str, command: GateCommand) -> None:
        topic = gate(self.config.compound_id, gate_id, Channel.command)
        self.mqtt.publish(topic, command.model_dump_json(), qos=1)

    def start(self) -> None:
        if self.config.metrics_port:
            start_http_server(self.config.metrics_port, addr="127.0.0.1")
        self.gate.start()
        for component in self.components:
            component.start()
        self.uplink.start()
        self.passage_uplink.start()
        self.mqtt.start()
        logger.info("edge service for compound %s started", self.config.compound_id)

    def stop(self) -> None:
        self._stop.set()
        self.mqtt.stop()
        self.gate.stop()
        for component in reversed(self.components):
            component.stop()
        self.uplink.stop()
        self.passage_uplink.stop()
        self.device_keeper.save()
        self.device_state.close()
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
