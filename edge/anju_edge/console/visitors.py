"""Visitor passes: a registered visitor's plate opens the gate until the pass expires."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from ulid import ULID

from anju_contracts import format_ts, utcnow
from anju_contracts.plates import try_normalise_plate
from anju_edge.console.privacy import mask_phone
from anju_edge.console.store import ConsoleStore

logger = logging.getLogger(__name__)


def valid_pass(store: ConsoleStore, plate: str | None, now: datetime) -> str | None:
    """The id of a valid pass for this plate, or None."""
    normal = try_normalise_plate(plate)
    if normal is None:
        return None
    return store.valid_pass(normal, format_ts(now))


def add_visitor(
    store: ConsoleStore,
    name: str,
    phone: str,
    host_unit: str,
    plate: str,
    valid_until: datetime,
    username: str,
) -> dict[str, Any]:
    """Register a pass for a normalised plate; the answer shows the phone masked."""
    visitor_id = str(ULID())
    store.add_visitor(
        {
            "id": visitor_id,
            "name": name,
            "phone": phone,
            "host_unit": host_unit,
            "plate": plate,
            "valid_until": format_ts(valid_until),
            "created_by": username,
            "created_at": format_ts(utcnow()),
        }
    )
    # Never the whole number in a log line.
    logger.info(
        "visitor pass %s for %s (%s) until %s",
        visitor_id,
        plate,
        mask_phone(phone),
        format_ts(valid_until),
    )
    return {
        "id": visitor_id,
        "plate": plate,
        "phone": mask_phone(phone),
        "valid_until": format_ts(valid_until),
    }
