"""Anju wire contracts: the one definition of every payload and topic.

Edge, gateway and simulator all import from here, so a contract is written once.
Every JSON payload carries ``v`` (protocol version); see docs/protocol.md.
"""

from anju_contracts.actions import AlertAction, AlertActionKind
from anju_contracts.alert import (
    Alert,
    AlertBatch,
    AlertBatchResult,
    AlertKind,
    AlertReceipt,
    DetectedObject,
    ReceiptStatus,
    Severity,
    SourceKind,
)
from anju_contracts.camera import MotionEvent, SnapshotMeta
from anju_contracts.common import (
    PROTOCOL_VERSION,
    Ident,
    Strict,
    UtcTime,
    WireModel,
    format_ts,
    utcnow,
)
from anju_contracts.enrol import EnrolRequest, EnrolResponse
from anju_contracts.feed import (
    AlertCleared,
    AlertEscalated,
    AlertSummary,
    AlertUpdated,
    EdgeStatus,
    FeedEvent,
    FeedHello,
)
from anju_contracts.gate import Direction, GateCommand, GateEvent, GateEventType, GateResult
from anju_contracts.heartbeat import DeviceHealth, Heartbeat
from anju_contracts.parsing import PayloadError, RejectReason, parse_json_payload
from anju_contracts.passage import PassageBatch, PassageRecord
from anju_contracts.plates import PlateError, normalise_plate
from anju_contracts.routing import Handler, RoutingPolicy, decide_handler
from anju_contracts.status import DeviceState, parse_status
from anju_contracts.sync import EdgeSync, StaffAccount, WatchlistEntry, WatchlistKind
from anju_contracts.topics import Channel, DeviceKind, Topic, TopicError, parse_topic
from anju_contracts.webhook import WebhookAlert, WebhookBody

__all__ = [
    "PROTOCOL_VERSION",
    "Alert",
    "AlertAction",
    "AlertActionKind",
    "AlertBatch",
    "AlertBatchResult",
    "AlertCleared",
    "AlertEscalated",
    "AlertKind",
    "AlertReceipt",
    "AlertSummary",
    "AlertUpdated",
    "Channel",
    "DetectedObject",
    "DeviceHealth",
    "DeviceKind",
    "DeviceState",
    "Direction",
    "EdgeStatus",
    "EdgeSync",
    "EnrolRequest",
    "EnrolResponse",
    "FeedEvent",
    "FeedHello",
    "GateCommand",
    "GateEvent",
    "GateEventType",
    "GateResult",
    "Handler",
    "Heartbeat",
    "Ident",
    "MotionEvent",
    "PassageBatch",
    "PassageRecord",
    "PayloadError",
    "PlateError",
    "ReceiptStatus",
    "RejectReason",
    "RoutingPolicy",
    "Severity",
    "SnapshotMeta",
    "SourceKind",
    "StaffAccount",
    "Strict",
    "Topic",
    "TopicError",
    "UtcTime",
    "WatchlistEntry",
    "WatchlistKind",
    "WebhookAlert",
    "WebhookBody",
    "WireModel",
    "decide_handler",
    "format_ts",
    "normalise_plate",
    "parse_json_payload",
    "parse_status",
    "parse_topic",
    "utcnow",
]
