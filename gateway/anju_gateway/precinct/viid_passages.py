"""Vehicle passage records (智能卡口) from the edges, queued as GA/T 1400 MotorVehicle objects.

An edge sends a passage record (plate, time, gate, direction; no image) only while its
compound's switch is on; the gateway checks the switch again, keeps each record id once
(``store.passages``), and queues one MotorVehicle object per new record on the precinct's
视图库 link, in the same transaction. The link's worker delivers it like an alert's object.
With the switch off, or no enabled link, a record is acknowledged and nothing is queued.
docs/precinct-link.md, "Vehicle passage records".
"""

from __future__ import annotations

import logging
from datetime import datetime

from anju_contracts import AlertBatchResult, AlertReceipt, PassageBatch, ReceiptStatus, format_ts
from anju_contracts.gbcode import base_id, object_id
from anju_contracts.passage import PassageRecord
from anju_contracts.viid import RESOURCES, MotorVehicleObject
from anju_gateway.metrics import PASSAGES_RECEIVED
from anju_gateway.precinct.viid_client import viid_time
from anju_gateway.store import Database
from anju_gateway.store import passages as passage_store
from anju_gateway.store import viid as viid_store
from anju_gateway.store.compounds import get_compound
from anju_gateway.store.edges import Edge

logger = logging.getLogger(__name__)


class ForeignPassage(PermissionError):
    pass


def passage_object(record: PassageRecord, system_id: str, seq: int) -> MotorVehicleObject:
    """The record as a MotorVehicle object: device = the gate's code, else our system id."""
    device = record.gb_code or system_id
    when = viid_time(record.ts)
    source = base_id(device, when, seq % 100_000)
    return MotorVehicleObject.model_validate(
        {
            "MotorVehicleID": object_id(source, "motor_vehicle"),
            "SourceID": source,
            "DeviceID": device,
            "HasPlate": True,
            "PlateNo": record.plate,
            "PassTime": when,
        }
    )


def ingest_passages(
    db: Database, *, edge: Edge, batch: PassageBatch, now: datetime
) -> tuple[AlertBatchResult, int]:
    """Keep and queue the batch; returns the receipts and how many objects were queued."""
    if any(p.compound_id != edge.compound_id for p in batch.passages):
        raise ForeignPassage(f"this box belongs to compound {edge.compound_id!r}")
    stamp = format_ts(now)
    receipts: list[AlertReceipt] = []
    queued = 0
    with db.write() as conn:
        switch = passage_store.get_switch(conn, compound_id=edge.compound_id)
        compound = get_compound(conn, compound_id=edge.compound_id)
        link = viid_store.get_link(conn, precinct_id=compound.precinct_id) if compound else None
        live = switch.enabled and link is not None and link.enabled
        for record in batch.passages:
            seq = passage_store.receive(
                conn, passage_id=record.id, compound_id=edge.compound_id, now=stamp
            )
            if seq is None:
                receipts.append(AlertReceipt(id=record.id, status=ReceiptStatus.duplicate))
                continue
            receipts.append(AlertReceipt(id=record.id, status=ReceiptStatus.stored))
            if not live or link is None:
                PASSAGES_RECEIVED.labels(outcome="not_queued").inc()
                continue
            obj = passage_object(record, link.system_id, seq)
            viid_store.enqueue_object(
                conn, precinct_id=link.precinct_id, alert_id=record.id,
                object_id=obj.motor_vehicle_id, resource=RESOURCES["motor_vehicle"][0],
                body=obj.to_wire(), now=stamp,
            )  # fmt: skip
            PASSAGES_RECEIVED.labels(outcome="queued").inc()
            queued += 1
    return AlertBatchResult(receipts=receipts), queued
