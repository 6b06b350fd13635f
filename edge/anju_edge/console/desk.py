"""What the gate console records and what staff do there: every gate event (at its corrected
time) and alert goes into the console's store and onto the live feed; acknowledgements and notes
are queued for the gateway; a remote door opening is audited, logged as waiting, then sent to
the gate, whose answer (or its absence after ``console.door_answer_s``) completes its row; a
visitor's plate opens the gate while the pass is valid, logged as one 访客放行 row.

Each alert is recorded with its handler, decided by the precinct's routing from edge sync with
the gateway's own rule (``anju_contracts.routing``): the page offers 签收 / 处理 / 关闭 on the
property's alerts and only 物业到场 on the police's."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from ulid import ULID

from anju_common.fanout import Event, EventHub
from anju_contracts import (
    Alert,
    AlertAction,
    AlertActionKind,
    GateCommand,
    GateEventType,
    GateResult,
    RoutingPolicy,
    format_ts,
    utcnow,
)
from anju_edge.console.clocks import GateClocks
from anju_edge.console.privacy import mask_credential
from anju_edge.console.store import ConsoleStore
from anju_edge.console.visitors import valid_pass
from anju_edge.ingest import GateEventIn

logger = logging.getLogger(__name__)

SendCommand = Callable[[str, GateCommand], None]
"""(gate id, command): publish a command to a gate."""

VISITOR_PASS = "visitor_pass"  # the pass log's own type: a visitor's car let in by its pass
PENDING = "pending"  # a command's row until the gate answers; then granted, or no_answer


class Desk:
    def __init__(
        self,
        compound_id: str,
        store: ConsoleStore,
        hub: EventHub,
        send_command: SendCommand,
        action_queued: Callable[[], None],
        *,
        answer_s: float,
        routing: Callable[[], RoutingPolicy] = RoutingPolicy,
    ) -> None:
        self.compound_id = compound_id
        self.answer_s = answer_s  # how long a command waits for the gate's answer
        self.clocks = GateClocks()
        self.store = store
        self.hub = hub
        self.send_command = send_command
        self.action_queued = action_queued
        self.routing = routing  # the precinct's routing, from the latest edge sync

    # --- recording (the console's writer thread) ---
    def record(self, item: GateEventIn | Alert) -> None:
        if isinstance(item, Alert):
            self._record_alert(item)
        else:
            self._record_event(item)

    def _publish_row(self, row_id: int, event_type: str = "gate") -> None:
        row = self.store.log_row(row_id)
        if row is not None:
            self.hub.publish(Event(event_type, self.compound_id, row))

    def _record_event(self, item: GateEventIn) -> None:
        e = item.event
        corrected = self.clocks.correct(item.gate_id, e.ts, item.received)
        if e.type is GateEventType.remote_open and e.command_id:
            # The gate's answer to a command from this box: the command's row says so.
            result = e.result.value if e.result else GateResult.granted.value
            answered = self.store.answer_command(e.command_id, format_ts(e.ts), result)
            if answered is not None:
                self._publish_row(answered, "gate.updated")
                return
        if e.type is GateEventType.plate_read and e.result is not GateResult.granted:
            visitor = valid_pass(self.store, e.plate, utcnow())
            if visitor is not None:
                # One row for the visitor's car: who, to see whom, and the gate's answer —
                # not the gate's refusal followed by an unexplained remote opening.
                self.open_gate(
                    item.gate_id,
                    "visitor-pass",
                    f"访客通行 visitor {visitor['id']}",
                    log_type=VISITOR_PASS,
                    actor=visitor["name"],
                    note=f"到访 {visitor['host_unit']}",
                    plate=e.plate,
                    direction=e.direction.value if e.direction else None,
                )
                return
        row: dict[str, Any] = {
            "gate_id": item.gate_id,
            "ts": format_ts(corrected),
            "device_ts": format_ts(e.ts),
            "type": e.type.value,
            "direction": e.direction.value if e.direction else None,
            "result": e.result.value if e.result else None,
            "plate": e.plate,
            "credential_masked": mask_credential(e.credential),
            "detail": f"{e.held_seconds:.0f}" if e.held_seconds else "",
            "command_id": e.command_id,
        }
        self._publish_row(self.store.record_gate_event(row))

    def expire_commands(self) -> None:
        """Commands the gate did not answer within the limit: their rows say 未响应."""
        before = format_ts(utcnow() - timedelta(seconds=self.answer_s))
        for row_id in self.store.expire_commands(before):
            self._publish_row(row_id, "gate.updated")
            logger.warning("gate did not answer a remote opening (log row %d)", row_id)

    def _record_alert(self, alert: Alert) -> None:
        # Decided once, as the gateway does at its receipt, by the policy in force now.
        handler = self.routing().handler_for(alert.kind.value, alert.severity.value)
        self.store.record_alert(alert, handler.value, format_ts(utcnow()))
        summary = {
            "id": alert.id,
            "kind": alert.kind.value,
            "severity": alert.severity.value,
            "source_id": alert.source_id,
            "ts": format_ts(alert.ts),
        }
        self.hub.publish(Event("alert", self.compound_id, summary))

    # --- staff actions ---
    def act_on_alert(
        self,
        alert_id: str,
        action: AlertActionKind,
        username: str,
        note: str,
        *,
        line: str | None = None,
        resolution: str | None = None,
    ) -> dict[str, str]:
        """Record the action on the alert's history (``line``: its kind there, the action's by
        default) and queue it for the gateway."""
        now = utcnow()
        payload = AlertAction(
            action_id=str(ULID()),
            alert_id=alert_id,
            action=action,
            actor=username,
            note=note,
            ts=now,
        )
        self.store.annotate_alert(
            alert_id,
            line or action.value,
            username,
            note,
            format_ts(now),
            action_id=payload.action_id,
            resolution=resolution,
        )
        self.store.queue_action(payload.action_id, payload.model_dump_json(), time.time())
        self.action_queued()
        self.hub.publish(Event("alert.updated", self.compound_id, {"id": alert_id, "by": username}))
        return {"action_id": payload.action_id}

    def refuse_open(self, gate_id: str, username: str, reason: str, why: str) -> None:
        """A door opening that was asked for and refused is audited too."""
        self.store.record_door_open(
            str(ULID()), gate_id, username, reason, format_ts(utcnow()), outcome=why
        )
        logger.warning("door %s opening by %s refused: %s", gate_id, username, why)

    def open_gate(
        self,
        gate_id: str,
        username: str,
        reason: str,
        *,
        log_type: str = GateEventType.remote_open.value,
        actor: str = "",
        note: str = "",
        plate: str | None = None,
        direction: str | None = None,
    ) -> str:
        """Audit the opening, put its row in the pass log (waiting for the gate's answer), then
        send the command: the answer, or its absence, completes the row."""
        command = GateCommand(
            command_id=str(ULID()), ts=utcnow(), issued_by=username, reason=reason
        )
        at = format_ts(command.ts)
        self.store.record_door_open(command.command_id, gate_id, username, reason, at)
        row_id = self.store.record_gate_event(
            {
                "gate_id": gate_id,
                "ts": at,
                "device_ts": None,
                "type": log_type,
                "direction": direction,
                "result": PENDING,
                "plate": plate,
                "detail": "",
                "command_id": command.command_id,
                "actor": actor or username,
                "note": note or reason,
            }
        )
        self._publish_row(row_id)
        self.send_command(gate_id, command)
        logger.info("door %s opened remotely by %s: %s", gate_id, username, reason)
        return command.command_id
