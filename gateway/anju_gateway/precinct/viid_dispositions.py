"""Dispositions (布控) from a precinct's upper system become watch-list entries (synced to the
precinct's edges as every entry is); a revoked one is removed, an expired one lapses by its
``expires_at``. A hit at an edge (a ``watchlist`` alert on the plate) becomes a
``DispositionNotification`` queued back to the upper system. Face dispositions are kept but
not matched: no face-recognition source exists. docs/precinct-link.md, "Dispositions".
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from anju_contracts import format_ts
from anju_contracts.plates import PlateError, normalise_plate
from anju_contracts.viid import DispositionNotification, DispositionObject
from anju_gateway.precinct.viid_client import parse_viid_time, viid_time
from anju_gateway.store import viid_dispositions as store
from anju_gateway.store.db import Conn
from anju_gateway.store.viid import AlertForViid
from anju_gateway.store.watchlists import add_entry, remove_entry

VEHICLE, PERSON = 2, 1  # DispositionCategory


def _utc(value: str) -> str:
    return format_ts(parse_viid_time(value).astimezone(UTC))


def _status(d: DispositionObject, code: int, text: str) -> dict[str, Any]:
    return {"RequestURL": "/VIID/Dispositions", "StatusCode": code, "StatusString": text,
            "Id": d.disposition_id, "LocalTime": viid_time(datetime.now(UTC))}  # fmt: skip


def apply(
    conn: Conn, precinct_id: str, items: list[DispositionObject], now: str
) -> list[dict[str, Any]]:
    """Apply each disposition in the caller's write; one ResponseStatusObject per item."""
    actor = f"视图库:{precinct_id}"
    out: list[dict[str, Any]] = []
    for d in items:
        old = store.get_disposition(conn, precinct_id=precinct_id, disposition_id=d.disposition_id)
        if d.operate_type == 1:  # 撤控
            if old is None:
                out.append(_status(d, 4, "unknown DispositionID"))
                continue
            if old.watch_entry_id is not None:
                remove_entry(conn, entry_id=old.watch_entry_id, actor=actor, now=now)
            store.set_state(conn, precinct_id=precinct_id, disposition_id=d.disposition_id,
                            state="revoked")  # fmt: skip
            out.append(_status(d, 0, "OK"))
            continue
        if old is not None and old.state != "revoked":
            out.append(_status(d, 0, "OK"))  # the same disposition again
            continue
        entry_id: int | None = None
        target = d.target_feature.strip()
        if d.category == VEHICLE:
            try:
                target = normalise_plate(target)
            except PlateError as exc:
                out.append(_status(d, 8, f"TargetFeature is not a plate: {exc}"))
                continue
            reason = f"视图库布控 {d.title} {d.reason}".strip()[:200]
            entry_id = add_entry(conn, kind="plate", value=target, reason=reason,
                                 precinct_id=precinct_id, expires_at=_utc(d.end_time),
                                 actor=actor, now=now).id  # fmt: skip
            state = "active"
        elif d.category == PERSON:
            state = "stored"  # kept; nothing can match a face yet
        else:
            out.append(_status(d, 4, f"DispositionCategory {d.category} not supported"))
            continue
        store.put_disposition(conn, store.Disposition(
            precinct_id, d.disposition_id, d.category, target, d.title, d.reason,
            _utc(d.begin_time), _utc(d.end_time), entry_id, state, now))  # fmt: skip
        out.append(_status(d, 0, "OK"))
    return out


def notification(
    conn: Conn, alert: AlertForViid, vehicle: dict[str, Any] | None
) -> DispositionNotification | None:
    """The notification of a watch-list hit on a plate under an active disposition."""
    plate = alert.details.get("plate")
    if alert.kind != "watchlist" or not plate:
        return None
    try:
        plate = normalise_plate(str(plate))
    except PlateError:
        return None
    d = store.active_for(conn, precinct_id=alert.precinct_id, target=plate, now=alert.ts)
    if d is None:
        return None
    when = viid_time(datetime.fromisoformat(alert.ts.replace("Z", "+00:00")))
    return DispositionNotification.model_validate({
        "NotificationID": f"{when}{alert.position % 10**19:019d}",
        "DispositionID": d.disposition_id, "Title": d.title, "TriggerTime": when,
        "CntObjectID": (vehicle or {}).get("MotorVehicleID", ""),
        **({"MotorVehicleObject": vehicle} if vehicle else {}),
    })  # fmt: skip
