"""Visitor passes: a registered visitor's plate opens the gate until the pass expires or the
visitor signs out; walk-in visitors (no plate) are registered the same way.

Of an ID number only the last four characters are kept (checked whole, then dropped): the box
never stores, logs or sends the full number, so a copy of ``console.sqlite3`` leaks none."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from ulid import ULID

from anju_contracts import format_ts, utcnow
from anju_contracts.plates import try_normalise_plate
from anju_edge.console.privacy import id_last4, mask_id, mask_phone
from anju_edge.console.store import ConsoleStore

logger = logging.getLogger(__name__)


def valid_pass(store: ConsoleStore, plate: str | None, now: datetime) -> dict[str, Any] | None:
    """The valid pass (id, name, host unit) for this plate, or None."""
    normal = try_normalise_plate(plate)
    if normal is None:
        return None
    return store.valid_pass(normal, format_ts(now))


def add_visitor(
    store: ConsoleStore,
    *,
    name: str,
    phone: str,
    host_unit: str,
    plate: str | None,
    reason: str,
    id_number: str | None,
    valid_until: datetime,
    username: str,
) -> dict[str, Any]:
    """Register a pass (plate normalised, or None for a walk-in); answers it as shown."""
    row = {
        "id": str(ULID()),
        "name": name,
        "phone": phone,
        "host_unit": host_unit,
        "plate": plate or "",
        "reason": reason,
        "id_last4": id_last4(id_number) if id_number else "",
        "valid_until": format_ts(valid_until),
        "created_by": username,
        "created_at": format_ts(utcnow()),
    }
    store.add_visitor(row)
    # Never the whole phone or ID number in a log line.
    logger.info(
        "visitor pass %s for %s (%s) until %s",
        row["id"],
        plate or "walk-in",
        mask_phone(phone),
        row["valid_until"],
    )
    return shown(row, utcnow())


def shown(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    """A pass as the console shows it: phone and ID masked, its state in one word."""
    if row.get("signed_out_at"):
        state = "signed_out"
    elif row["valid_until"] <= format_ts(now):  # same format: text order is time order
        state = "expired"
    else:
        state = "on_site"
    return {
        "id": row["id"],
        "name": row["name"],
        "phone": mask_phone(row["phone"]),
        "id_number": mask_id(row.get("id_last4") or ""),
        "host_unit": row["host_unit"],
        "plate": row["plate"],
        "reason": row.get("reason") or "",
        "valid_until": row["valid_until"],
        "created_at": row["created_at"],
        "created_by": row["created_by"],
        "signed_out_at": row.get("signed_out_at"),
        "state": state,
    }
