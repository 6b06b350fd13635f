"""The gate console as an EdgeService component: its store, writer thread, action sender and
HTTP server (uvicorn in a thread on `console.host:console.port`)."""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

import uvicorn
from ulid import ULID

from anju_common.fanout import Event, EventHub
from anju_common.limiter import SlidingWindowLimiter
from anju_contracts import (
    Alert,
    AlertAction,
    AlertActionKind,
    GateCommand,
    GateEventType,
    GateResult,
    StaffAccount,
    format_ts,
    utcnow,
)
from anju_contracts.topics import Channel, gate
from anju_edge.console.actions import ActionSender
from anju_edge.console.app import create_console_app
from anju_edge.console.privacy import mask_credential, mask_phone
from anju_edge.console.store import ConsoleStore
from anju_edge.console.visitors import valid_pass
from anju_edge.ingest import GateEventIn

if TYPE_CHECKING:
    from anju_edge.service import EdgeService

logger = logging.getLogger(__name__)


class GateConsole:
    def __init__(self, service: EdgeService) -> None:
        self.service = service
        self.config = service.config
        self.store = ConsoleStore(self.config.data_dir / "console.sqlite3")
        self.sender = ActionSender(self.config, self.store)
        self.hub = EventHub()
        self.throttle = SlidingWindowLimiter(5, 300)
        # At most 10 remote openings a minute per user: a stolen session cannot cycle a door.
        self.door_limit = SlidingWindowLimiter(10, 60)
        self.gate_names = {g.id: g.name for g in self.config.gates}
        self._inbox: queue.Queue[GateEventIn | Alert] = queue.Queue(10_000)
        self._stop = threading.Event()
        self._writer: threading.Thread | None = None
        self.server: uvicorn.Server | None = None
        self._server_thread: threading.Thread | None = None
        service.gate_event_listeners.append(self._enqueue)
        service.sink.add_listener(self._enqueue)

    # --- listeners: called on the rules/detector threads, only enqueue ---
    def _enqueue(self, item: GateEventIn | Alert) -> None:
        try:
            self._inbox.put_nowait(item)
        except queue.Full:
            logger.warning("gate console inbox full: an item is not shown")

    def staff(self) -> dict[str, StaffAccount]:
        sync = self.service.sync.current()
        return {s.username: s for s in sync.staff} if sync else {}

    # --- lifecycle ---
    def start(self) -> None:
        self._writer = threading.Thread(target=self._write_loop, name="console-writer", daemon=True)
        self._writer.start()
        self.sender.start()
        self.server = uvicorn.Server(
            uvicorn.Config(
                create_console_app(self),
                host=self.config.console.host,
                port=self.config.console.port,
                log_level="warning",
                access_log=False,
            )
        )
        self._server_thread = threading.Thread(
            target=self.server.run, name="console-http", daemon=True
        )
        self._server_thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self.server is not None:
            self.server.should_exit = True
        if self._server_thread is not None:
            self._server_thread.join(timeout=10)
        self.sender.stop()
        if self._writer is not None:
            self._writer.join(timeout=5)
        self.store.close()

    # --- the writer thread: SQLite and the live feed ---
    def _write_loop(self) -> None:
        while not self._stop.is_set():
            try:
                item = self._inbox.get(timeout=0.5)
            except queue.Empty:
                continue
            try:
                if isinstance(item, Alert):
                    self._store_alert(item)
                else:
                    self._store_event(item)
            except Exception:
                logger.exception("gate console could not record an item")

    def _store_event(self, item: GateEventIn) -> None:
        e = item.event
        row: dict[str, Any] = {
            "gate_id": item.gate_id,
            "ts": format_ts(e.ts),
            "type": e.type.value,
            "direction": e.direction.value if e.direction else None,
            "result": e.result.value if e.result else None,
            "plate": e.plate,
            "credential_masked": mask_credential(e.credential),
            "detail": e.command_id or (f"{e.held_seconds:.0f}s" if e.held_seconds else ""),
        }
        with self.store.write() as conn:
            cur = conn.execute(
                "INSERT INTO gate_log (gate_id, ts, type, direction, result, plate, "
                "credential_masked, detail) VALUES (:gate_id, :ts, :type, :direction, :result, "
                ":plate, :credential_masked, :detail)",
                row,
            )
            row["id"] = cur.lastrowid
        self.hub.publish(Event("gate", self.config.compound_id, row))
        if e.type is GateEventType.plate_read and e.result is not GateResult.granted:
            pass_id = valid_pass(self.store, e.plate, utcnow())
            if pass_id is not None:
                self.open_gate(item.gate_id, "visitor-pass", f"访客通行 visitor {pass_id}")

    def _store_alert(self, alert: Alert) -> None:
        with self.store.write() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO alerts (id, ts, kind, severity, source_id, zone, details, "
                "snapshot_b64) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    alert.id,
                    format_ts(alert.ts),
                    alert.kind.value,
                    alert.severity.value,
                    alert.source_id,
                    alert.zone,
                    json.dumps(alert.details, ensure_ascii=False),
                    alert.snapshot_jpeg_b64,
                ),
            )
        self.hub.publish(
            Event(
                "alert",
                self.config.compound_id,
                {
                    "id": alert.id,
                    "kind": alert.kind.value,
                    "severity": alert.severity.value,
                    "source_id": alert.source_id,
                    "ts": format_ts(alert.ts),
                },
            )
        )

    # --- actions ---
    def act_on_alert(self, alert_id: str, action: str, username: str, note: str) -> dict[str, str]:
        now = utcnow()
        kind = AlertActionKind(action)
        with self.store.write() as conn:
            if kind is AlertActionKind.acknowledge:
                conn.execute(
                    "UPDATE alerts SET acknowledged_by = COALESCE(acknowledged_by, ?), "
                    "acknowledged_at = COALESCE(acknowledged_at, ?), note = ? WHERE id = ?",
                    (username, format_ts(now), note, alert_id),
                )
            else:
                conn.execute("UPDATE alerts SET note = ? WHERE id = ?", (note, alert_id))
        payload = AlertAction(
            action_id=str(ULID()), alert_id=alert_id, action=kind, actor=username, note=note, ts=now
        )
        self.store.queue_action(payload.action_id, payload.model_dump_json(), time.time())
        self.sender.notify()
        self.hub.publish(
            Event("alert.updated", self.config.compound_id, {"id": alert_id, "by": username})
        )
        return {"action_id": payload.action_id}

    def open_gate(self, gate_id: str, username: str, reason: str) -> str:
        command = GateCommand(
            command_id=str(ULID()), ts=utcnow(), issued_by=username, reason=reason
        )
        with self.store.write() as conn:
            conn.execute(
                "INSERT INTO door_opens (command_id, gate_id, username, reason, at) "
                "VALUES (?, ?, ?, ?, ?)",
                (command.command_id, gate_id, username, reason, format_ts(command.ts)),
            )
        self.service.mqtt.publish(
            gate(self.config.compound_id, gate_id, Channel.command),
            command.model_dump_json(),
            qos=1,
        )
        logger.info("door %s opened remotely by %s: %s", gate_id, username, reason)
        return command.command_id

    def add_visitor(
        self,
        name: str,
        phone: str,
        host_unit: str,
        plate: str,
        valid_until: datetime,
        username: str,
    ) -> dict[str, Any]:
        visitor_id = str(ULID())
        with self.store.write() as conn:
            conn.execute(
                "INSERT INTO visitors (id, name, phone, host_unit, plate, valid_until, "
                "created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    visitor_id,
                    name,
                    phone,
                    host_unit,
                    plate,
                    format_ts(valid_until),
                    username,
                    format_ts(utcnow()),
                ),
            )
        # Never the whole number in a log line.
        logger.info(
            "visitor pass %s for %s (%s) until %s",
            visitor_id,
            plate,
            mask_phone(phone),
            format_ts(valid_until),
        )
        return {
            "id": visitor_id,
            "plate": plate,
            "phone": mask_phone(phone),
            "valid_until": format_ts(valid_until),
        }
