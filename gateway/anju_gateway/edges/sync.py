"""What an edge downloads (``GET /api/v1/edge/sync``): the watch list of its compound (global
entries plus its precinct's), the compound's property-manager accounts and its precinct's
routing of alerts (with the property's clocks), whether its vehicle passage records go to the
precinct, with a content version for the ETag."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from anju_contracts import (
    EdgeSync,
    RoutingPolicy,
    StaffAccount,
    WatchlistEntry,
    WatchlistKind,
    format_ts,
)
from anju_gateway.alerts.routing import effective
from anju_gateway.settings import GatewaySettings
from anju_gateway.store.compounds import get_compound
from anju_gateway.store.db import Conn
from anju_gateway.store.passages import get_switch
from anju_gateway.store.routing import StoredPolicy, policy_of_compound
from anju_gateway.store.users import staff_of_compound
from anju_gateway.store.watchlists import WatchRow, active_entries


def entries_for_compound(conn: Conn, compound_id: str, now: str) -> list[WatchRow]:
    compound = get_compound(conn, compound_id=compound_id)
    precincts = (compound.precinct_id,) if compound else ()
    return active_entries(conn, precinct_ids=precincts, now=now)


def _version(
    compound_id: str,
    watchlist: list[WatchlistEntry],
    staff: list[StaffAccount],
    routing: RoutingPolicy,
    passage_upload: bool,
) -> str:
    # Content hash without generated_at, so an unchanged list keeps its ETag across requests.
    body = json.dumps(
        {
            "compound_id": compound_id,
            "watchlist": [e.model_dump(mode="json") for e in watchlist],
            "staff": [s.model_dump(mode="json") for s in staff],
            "routing": routing.model_dump(mode="json"),
            # Only when on: a compound that never turned it on keeps its version.
            **({"passage_upload": True} if passage_upload else {}),
        },
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def routing_of_compound(conn: Conn, compound_id: str, settings: GatewaySettings) -> RoutingPolicy:
    """The routing in force for the compound's precinct, as the gateway applies it at ingest."""
    stored = policy_of_compound(conn, compound_id=compound_id) or StoredPolicy(precinct_id="")
    policy = effective(stored)
    return RoutingPolicy(
        routes=policy.routes,
        raise_at=policy.raise_at,
        property_ack_minutes=settings.sla_property_ack_minutes,
        property_close_hours=settings.sla_property_close_hours,
    )


def build_sync(conn: Conn, compound_id: str, now: datetime, settings: GatewaySettings) -> EdgeSync:
    stamp = format_ts(now)
    seen: set[tuple[str, str]] = set()
    watchlist: list[WatchlistEntry] = []
    for row in entries_for_compound(conn, compound_id, stamp):
        key = (row.kind, row.value)
        if key in seen:  # the same plate listed globally and for the precinct: send once
            continue
        seen.add(key)
        watchlist.append(
            WatchlistEntry(
                kind=WatchlistKind(row.kind),
                value=row.value,
                reason=row.reason[:200],
                expires_at=datetime.fromisoformat(row.expires_at) if row.expires_at else None,
            )
        )
    staff = [
        StaffAccount(
            username=r.username[:64],
            display_name=r.display_name[:64],
            password_hash=r.password_hash,
            role="property_manager",
        )
        for r in staff_of_compound(conn, compound_id=compound_id)
    ]
    routing = routing_of_compound(conn, compound_id, settings)
    passage_upload = get_switch(conn, compound_id=compound_id).enabled
    return EdgeSync(
        compound_id=compound_id,
        version=_version(compound_id, watchlist, staff, routing, passage_upload),
        generated_at=now,
        watchlist=watchlist,
        staff=staff,
        routing=routing,
        passage_upload=passage_upload,
    )
