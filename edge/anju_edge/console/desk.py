"""What the gate console records and what staff do there: every gate event and alert goes
into the console's store and onto the live feed; acknowledgements and notes are queued for the
gateway; a remote door opening is audited, then sent to the gate; a visitor's plate opens the
gate while the pass is valid."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
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
    format_ts,
    utcnow,
)
from anju_edge.console.privacy import mask_credential
from anju_edge.console.store import ConsoleStore
from anju_edge.console.visitors import valid_pass
from anju_edge.ingest import GateEventIn

logger = logging.getLogger(__name__)

SendCommand = Callable[[str, GateCommand], None]
"""(gate id, command): publish a command to a gate."""


class Desk:
    def __init__(
        self,
        compound_id: str,
        store: ConsoleStore,
        hub: EventHub,
        send_command: SendCommand,
        action_queued: Callable[[], None],
    ) -> None:
        self.compound_id = compound_id
        self.store = store
        self.hub = hub
        self.send_command = send_command
        self.action_queued = action_queued

    # --- recording (the console's writer thread) ---
    def record(self, item: GateEventIn | Alert) -> None:
        if isinstance(item, Alert):
            self._record_alert(item)
        else:
            self._record_event(item)

    def _record_event(self, item: GateEventIn) -> None:
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
        row["id"] = self.store.record_gate_event(row)
        self.hub.publish(Event("gate", self.compound_id, row))
        if e.type is GateEventType.plate_read and e.result is not GateResult.granted:
            pass_id = valid_pass(self.store, e.plate, utcnow())
            if pass_id is not None:
                self.open_gate(item.gate_id, "visitor-pass", f"访客通行 visitor {pass_id}")

    def _record_alert(self, alert: Alert) -> None:
        self.store.record_alert(alert)
        summary = {
            "id": alert.id,
            "kind": alert.kind.value,
            "severity": alert.severity.value,
            "source_id": alert.source_id,
            "ts": format_ts(alert.ts),
        }
        self.hub.publish(Event("alert", self.compound_id, summary))

    # --- staff actions ---
    def act_on_alert(self, alert_id: str, action: str, username: str, note: str) -> dict[str, str]:
        now = utcnow()
        kind = AlertActionKind(action)
        acknowledge = kind is AlertActionKind.acknowledge
        self.store.annotate_alert(alert_id, acknowledge, username, note, format_ts(now))
        payload = AlertAction(
            action_id=str(ULID()), alert_id=alert_id, action=kind, actor=username, note=note, ts=now
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

    def open_gate(self, gate_id: str, username: str, reason: str) -> str:
        command = GateCommand(
            command_id=str(ULID()), ts=utcnow(), issued_by=username, reason=reason
        )
        self.store.record_door_open(
            command.command_id, gate_id, username, reason, format_ts(command.ts)
        )
        self.send_command(gate_id, command)
        logger.info("door %s opened remotely by %s: %s", gate_id, username, reason)
        return command.command_id
