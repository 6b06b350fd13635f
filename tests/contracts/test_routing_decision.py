"""The one routing decision (anju_contracts.routing), shared by the gateway and the box."""

from __future__ import annotations

import pytest

from anju_contracts import AlertKind, EdgeSync, Handler, RoutingPolicy, Severity, decide_handler
from anju_contracts.routing import DEFAULT_ROUTES


def test_every_kind_has_a_default() -> None:
    assert set(DEFAULT_ROUTES) == set(AlertKind)
    assert set(RoutingPolicy().routes) == {k.value for k in AlertKind}


@pytest.mark.parametrize(
    "kind,severity,raise_at,expected",
    [
        ("door_held_open", "high", Severity.critical, Handler.property),
        ("door_held_open", "critical", Severity.critical, Handler.police),  # raised
        ("door_held_open", "critical", None, Handler.property),  # never raised
        ("door_held_open", "high", Severity.high, Handler.police),
        ("crowd", "critical", Severity.critical, Handler.both),  # only property is raised
        ("door_forced", "low", Severity.critical, Handler.police),
        ("some_new_kind", "low", Severity.critical, Handler.police),  # unknown: the police
    ],
)
def test_decision(kind: str, severity: str, raise_at: Severity | None, expected: Handler) -> None:
    policy = RoutingPolicy(raise_at=raise_at)
    assert decide_handler(policy.routes, raise_at, kind, severity) is expected
    assert policy.handler_for(kind, severity) is expected


def test_gateway_uses_the_same_definition() -> None:
    from anju_gateway.alerts import routing
    from anju_gateway.store.routing import StoredPolicy

    assert routing.Handler is Handler
    assert routing.DEFAULT_ROUTES is DEFAULT_ROUTES
    stored = StoredPolicy(precinct_id="p1", routes={"fire_lane": "both"}, raise_at="")
    policy = routing.effective(stored)
    assert routing.handler_for(policy, "fire_lane", "critical") is Handler.both
    assert routing.handler_for(policy, "ebike_indoor", "critical") is Handler.property


def test_a_copy_from_before_routing_reads_as_the_defaults() -> None:
    old = (
        '{"v": 1, "compound_id": "c1", "version": "x", "generated_at": '
        '"2026-11-23T14:00:00.000Z", "watchlist": [], "staff": []}'
    )
    sync = EdgeSync.model_validate_json(old)
    assert sync.routing == RoutingPolicy()
    assert sync.routing.property_ack_minutes == 10
    assert sync.routing.handler_for("door_held_open", "high") is Handler.property
