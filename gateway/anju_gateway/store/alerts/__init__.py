"""The ``alerts`` table family (alerts and their snapshots): this package alone creates, alters
and writes it. ``schema``: migrations; ``records``: the shapes, insert and reads; ``state``:
lifecycle, SLA and clearing updates. Other store modules may only read it.
"""

from anju_gateway.store.alerts.records import (
    AlertQuery,
    AlertRecord,
    NewAlert,
    StoredAlert,
    get_alert,
    get_snapshot,
    held_by_other_compounds,
    insert_alerts,
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
    "LIFECYCLE_COLUMNS",
    "PROPERTY_COLUMNS",
    "Admission",
    "AlertQuery",
    "AlertRecord",
    "Breach",
    "Clock",
    "LifecycleState",
    "NewAlert",
    "Received",
    "StoredAlert",
    "flag_breaches",
    "get_alert",
    "get_snapshot",
    "held_by_other_compounds",
    "insert_alerts",
    "lifecycle_state",
    "mark_cleared",
    "migrations",
    "query_alerts",
    "received",
    "set_admissions",
    "set_columns",
]
