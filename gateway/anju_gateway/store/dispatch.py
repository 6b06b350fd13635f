"""Whom an officer can dispatch to (派警对象): the precinct's officers and supervisors by name.
Reads ``users`` only. There is no store of police units (巡逻组、警车) yet, so the list holds
people; a unit is typed as free text in the dispatch form."""

from __future__ import annotations

from dataclasses import dataclass

from anju_gateway.store.db import Conn


@dataclass(frozen=True, slots=True)
class Officer:
    username: str
    display_name: str
    role: str


def officers_of_precinct(conn: Conn, *, precinct_id: str) -> list[Officer]:
    """The precinct's enabled officers and supervisors, by display name."""
    rows = conn.execute(
        "SELECT username, display_name, role FROM users WHERE precinct_id = ? "
        "AND role IN ('officer', 'supervisor') AND disabled = 0 "
        "ORDER BY CASE display_name WHEN '' THEN username ELSE display_name END, username",
        (precinct_id,),
    ).fetchall()
    return [Officer(*r) for r in rows]
