"""The names an installer gave a compound, its gates, cameras and zones in the edge config.

Each heartbeat carries them (:class:`anju_contracts.Heartbeat`); the latest name of every
thing is kept per compound, so alerts, the live feed and the device board can say
安居示范小区 · 北门 · 东墙内侧 beside the ids. A name a box stops sending stays: alerts raised
under it keep their name.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from sqlite_utils import Database as SUDatabase
from sqlite_utils.migrations import Migrations

from anju_contracts import Heartbeat
from anju_contracts.feed import AlertSummary
from anju_gateway.store.db import Conn

migrations = Migrations("gateway.names")

_COMPOUND = "compound"
_ZONE = "zone"
# A compound's name as the console shows it, in SQL over ``compounds c``: the name its boxes
# send, else the name it was created with, else its id (the reports and analytics use it).
COMPOUND_NAME_SQL = (
    "COALESCE((SELECT n.name FROM display_names n WHERE n.compound_id = c.id "
    "AND n.kind = 'compound'), NULLIF(c.name, ''), c.id)"
)


@migrations()
def m001_create(db: SUDatabase) -> None:
    db.execute(
        """CREATE TABLE display_names (
            compound_id TEXT NOT NULL REFERENCES compounds(id),
            kind TEXT NOT NULL,          -- compound, gate, camera or zone
            source_id TEXT NOT NULL,     -- '' for the compound; the camera of a zone
            zone_id TEXT NOT NULL,       -- '' unless kind is zone
            name TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (compound_id, kind, source_id, zone_id)
        )"""
    )


@dataclass(frozen=True, slots=True)
class CompoundNames:
    """What one compound and the things in it are called; None where nobody named it."""

    compound: str | None = None
    sources: dict[tuple[str, str], str] = field(default_factory=dict)  # (kind, id) -> name
    zones: dict[tuple[str, str], str] = field(default_factory=dict)  # (source id, zone) -> name

    def source(self, kind: str, source_id: str) -> str | None:
        return self.sources.get((kind, source_id))

    def zone(self, source_id: str, zone: str | None) -> str | None:
        return self.zones.get((source_id, zone)) if zone else None


def names_in_beat(beat: Heartbeat) -> list[tuple[str, str, str, str]]:
    """(kind, source id, zone id, name) of everything the beat names."""
    rows: list[tuple[str, str, str, str]] = []
    if beat.compound_name.strip():
        rows.append((_COMPOUND, "", "", beat.compound_name.strip()))
    for device in beat.devices:
        if device.name.strip():
            rows.append((device.kind, device.id, "", device.name.strip()))
        for zone_id, zone_name in device.zones.items():
            if zone_name.strip():
                rows.append((_ZONE, device.id, zone_id, zone_name.strip()))
    return rows


def record_names(conn: Conn, *, beat: Heartbeat, now: str) -> None:
    """Keep the latest name of everything the beat names (rows change only when a name does)."""
    conn.executemany(
        "INSERT INTO display_names (compound_id, kind, source_id, zone_id, name, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(compound_id, kind, source_id, zone_id) "
        "DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at "
        "WHERE display_names.name != excluded.name",
        [(beat.compound_id, *row, now) for row in names_in_beat(beat)],
    )


def names_of(conn: Conn, compound_ids: Iterable[str]) -> dict[str, CompoundNames]:
    """Names per compound; a compound its boxes never named falls back to the name it was
    created with (``anju gateway add-compound --name``), if any."""
    ids = sorted(set(compound_ids))
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    out = {
        r[0]: CompoundNames(compound=r[1] or None)
        for r in conn.execute(f"SELECT id, name FROM compounds WHERE id IN ({marks})", ids)
    }
    rows = conn.execute(
        "SELECT compound_id, kind, source_id, zone_id, name FROM display_names "
        f"WHERE compound_id IN ({marks})",
        ids,
    ).fetchall()
    for compound_id, kind, source_id, zone_id, name in rows:
        names = out.setdefault(compound_id, CompoundNames())
        if kind == _COMPOUND:
            out[compound_id] = CompoundNames(name, names.sources, names.zones)
        elif kind == _ZONE:
            names.zones[(source_id, zone_id)] = name
        else:
            names.sources[(kind, source_id)] = name
    return out


Alert = TypeVar("Alert", bound=AlertSummary)


def with_names(alerts: Sequence[Alert], names: dict[str, CompoundNames]) -> list[Alert]:
    """Copies of the alerts with ``compound_name``, ``source_name`` and ``zone_name`` filled
    (ids stay); a shape without ``source_kind`` (the bare summary) names no source."""
    out = []
    for alert in alerts:
        known = names.get(alert.compound_id, CompoundNames())
        kind = str(getattr(alert, "source_kind", ""))
        update = {
            "compound_name": known.compound or alert.compound_name,
            "source_name": known.source(kind, alert.source_id),
            "zone_name": known.zone(alert.source_id, alert.zone),
        }
        out.append(alert.model_copy(update=update))
    return out


def name_alerts(conn: Conn, alerts: Sequence[Alert]) -> list[Alert]:
    """The alerts with their names, read in one go."""
    return with_names(alerts, names_of(conn, (a.compound_id for a in alerts)))
