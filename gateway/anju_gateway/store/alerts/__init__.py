"""The ``alerts`` table family (alerts, their snapshots and merged occurrences): this package
alone creates, alters and writes it. ``schema``: migrations; ``records``: the shapes, insert and
reads; ``state``: lifecycle, SLA and clearing updates; ``outages``: one open alert per device
outage. Other store modules may only read it.
"""

from anju_gateway.store.alerts.outages import (
    DEVICE_OUTAGES,
    OUTAGE_KINDS,
    Outage,
    add_occurrence,
    merged_into,
    open_outage,
    unrecovered,
)
from anju_gateway.store.alerts.records import (
    AlertQuery,
    AlertRecord,
    NewAlert,
    StoredAlert,
    get_alert,
    get_snapshot,
    held_by_other_compounds,
    insert_alerts,
    known_ids,
    query_alerts,
)
from anju_gateway.store.alerts.schema import LIFECYCLE_COLUMNS, PROPERTY_COLUMNS, migrations
from anju_gateway.store.alerts.state import (
    CLOCKS,
    Admission,
    Breach,
    Clock,
    LifecycleState,
    Received,
    flag_breaches,
    lifecycle_state,
    mark_cleared,
    received,
    set_admissions,
    set_columns,
)

__all__ = [
    "CLOCKS",
    "DEVICE_OUTAGES",
    "LIFECYCLE_COLUMNS",
    "OUTAGE_KINDS",
    "PROPERTY_COLUMNS",
    "Admission",
    "AlertQuery",
    "AlertRecord",
    "Breach",
    "Clock",
    "LifecycleState",
    "NewAlert",
    "Outage",
    "Received",
    "StoredAlert",
    "add_occurrence",
    "flag_breaches",
    "get_alert",
    "get_snapshot",
    "held_by_other_compounds",
    "insert_alerts",
    "known_ids",
    "lifecycle_state",
    "mark_cleared",
    "merged_into",
    "migrations",
    "open_outage",
    "query_alerts",
    "received",
    "set_admissions",
    "set_columns",
    "unrecovered",
]
