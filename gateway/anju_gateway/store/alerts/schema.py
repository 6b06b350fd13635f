"""The ``alerts`` and ``alert_snapshots`` tables and their migrations."""

from __future__ import annotations

from sqlite_utils import Database as SUDatabase
from sqlite_utils.migrations import Migrations

migrations = Migrations("gateway.alerts")

# Added by the lifecycle (owner, timestamps, resolution) and the SLA clocks (deadlines, breaches).
LIFECYCLE_COLUMNS = (
    "owner",
    "acknowledged_at",
    "dispatched_at",
    "closed_at",
    "resolution",
    "resolution_note",
    "ack_due_at",
    "close_due_at",
    "ack_breached_at",
    "close_breached_at",
)
# Added with dispatch targets: whom the alert was dispatched to (派警对象), as named.
DISPATCH_COLUMNS = ("dispatched_to",)
# Added with routing (分类处置): the property's own track, worked at the gate console.
PROPERTY_COLUMNS = (
    "property_owner",
    "property_acknowledged_at",
    "property_closed_at",
    "property_ack_due_at",
    "property_close_due_at",
    "property_ack_breached_at",
    "property_close_breached_at",
)


@migrations()
def m001_create(db: SUDatabase) -> None:
    db.execute(
        """CREATE TABLE alerts (
            id TEXT PRIMARY KEY,
            compound_id TEXT NOT NULL REFERENCES compounds(id),
            edge_id TEXT,
            source_kind TEXT NOT NULL,
            source_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            severity TEXT NOT NULL,
            ts TEXT NOT NULL,
            zone TEXT,
            objects_json TEXT NOT NULL DEFAULT '[]',
            details_json TEXT NOT NULL DEFAULT '{}',
            has_snapshot INTEGER NOT NULL DEFAULT 0,
            received_at TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'new'
        )"""
    )
    db.execute("CREATE INDEX alerts_compound_ts ON alerts(compound_id, ts)")
    db.execute("CREATE INDEX alerts_ts ON alerts(ts)")
    db.execute("CREATE INDEX alerts_state ON alerts(state)")
    db.execute(
        """CREATE TABLE alert_snapshots (
            alert_id TEXT PRIMARY KEY REFERENCES alerts(id) ON DELETE CASCADE,
            jpeg BLOB NOT NULL
        )"""
    )


@migrations()
def m002_lifecycle_columns(db: SUDatabase) -> None:
    # Databases made before this module owned the columns got them from the set
    # "gateway.lifecycle" (now only alert_events): add only what is missing.
    have = set(db["alerts"].columns_dict)
    for column in LIFECYCLE_COLUMNS:
        if column not in have:
            db.execute(f"ALTER TABLE alerts ADD COLUMN {column} TEXT")
    db.execute("CREATE INDEX IF NOT EXISTS alerts_ack_due ON alerts(state, ack_due_at)")
    db.execute("CREATE INDEX IF NOT EXISTS alerts_close_due ON alerts(close_due_at)")


@migrations()
def m003_routing(db: SUDatabase) -> None:
    # Alerts received before routing existed were all worked as police alerts.
    db.execute("ALTER TABLE alerts ADD COLUMN handler TEXT NOT NULL DEFAULT 'police'")
    for column in PROPERTY_COLUMNS:
        db.execute(f"ALTER TABLE alerts ADD COLUMN {column} TEXT")
    db.execute(
        "CREATE INDEX alerts_property_due ON alerts(property_closed_at, property_close_due_at)"
    )


@migrations()
def m004_outages(db: SUDatabase) -> None:
    # One open alert per device and outage kind: a repeat outage while it is open is an
    # occurrence of it (its own edge id kept here, so a resent batch stays a duplicate).
    db.execute("ALTER TABLE alerts ADD COLUMN occurrences INTEGER NOT NULL DEFAULT 1")
    db.execute("ALTER TABLE alerts ADD COLUMN last_ts TEXT")
    db.execute("CREATE INDEX alerts_outage ON alerts(compound_id, source_id, kind, state)")
    db.execute(
        """CREATE TABLE alert_occurrences (
            id TEXT PRIMARY KEY,
            alert_id TEXT NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
            ts TEXT NOT NULL,
            received_at TEXT NOT NULL,
            details_json TEXT NOT NULL DEFAULT '{}'
        )"""
    )
    db.execute("CREATE INDEX alert_occurrences_alert ON alert_occurrences(alert_id)")


@migrations()
def m005_dispatch_target(db: SUDatabase) -> None:
    for column in DISPATCH_COLUMNS:
        db.execute(f"ALTER TABLE alerts ADD COLUMN {column} TEXT")
