"""Who handles which alert (分类处置): the police, the property (物业, at the gate console) or both.

Each alert kind has a default handler (:data:`DEFAULT_ROUTES`); a precinct's admin may route
kinds differently and say from which severity a property alert goes to the police instead
(``raise_at``, critical by default). The handler is decided once, when the gateway receives the
alert, and kept on it (``alerts.handler``): changing the policy later does not move alerts
already received. The handlers, the defaults and the decision itself live in
:mod:`anju_contracts.routing` (the gate console shows alerts by the same rule); this module
applies a precinct's stored choices. docs/lifecycle.md, "Who handles which alert".
"""

from __future__ import annotations

from dataclasses import dataclass

from anju_contracts import AlertKind, Severity
from anju_contracts.routing import DEFAULT_RAISE_AT, DEFAULT_ROUTES, Handler, decide_handler
from anju_gateway.store.routing import StoredPolicy

__all__ = [
    "DEFAULT_RAISE_AT",
    "DEFAULT_ROUTES",
    "Handler",
    "Policy",
    "effective",
    "handler_for",
    "parse_assignments",
    "police_clocks",
    "property_clocks",
]


@dataclass(frozen=True, slots=True)
class Policy:
    """A precinct's routing in force: ``routes`` names a handler for every kind."""

    precinct_id: str
    routes: dict[str, Handler]
    overrides: dict[str, Handler]
    raise_at: Severity | None  # None: severity never raises a property alert
    updated_at: str | None
    updated_by: str | None


def effective(stored: StoredPolicy) -> Policy:
    """The defaults with the precinct's overrides applied (unknown kinds in storage ignored)."""
    overrides = {
        kind: Handler(h)
        for kind, h in stored.routes.items()
        if kind in AlertKind.__members__ and h in Handler.__members__
    }
    routes = {kind.value: overrides.get(kind.value, h) for kind, h in DEFAULT_ROUTES.items()}
    if stored.raise_at is None:
        raise_at: Severity | None = DEFAULT_RAISE_AT
    else:
        raise_at = Severity(stored.raise_at) if stored.raise_at in Severity.__members__ else None
    return Policy(stored.precinct_id, routes, overrides, raise_at, stored.updated_at,
                  stored.updated_by)  # fmt: skip


def handler_for(policy: Policy, kind: str, severity: str) -> Handler:
    """The handler of one alert (the one decision, shared with the edge's gate console)."""
    return decide_handler(policy.routes, policy.raise_at, kind, severity)


def police_clocks(handler: str) -> bool:
    return handler in (Handler.police, Handler.both)


def property_clocks(handler: str) -> bool:
    return handler in (Handler.property, Handler.both)


def parse_assignments(items: list[str]) -> dict[str, Handler]:
    """``KIND=police|property|both`` strings (the CLI's ``--set``); raises ValueError."""
    out: dict[str, Handler] = {}
    for item in items:
        kind, sep, value = item.partition("=")
        kind, value = kind.strip(), value.strip()
        if not sep or kind not in AlertKind.__members__:
            kinds = ", ".join(k.value for k in AlertKind)
            raise ValueError(f"{item!r}: expected KIND=police|property|both, KIND one of {kinds}")
        if value not in Handler.__members__:
            raise ValueError(f"{item!r}: the handler is police, property or both")
        out[kind] = Handler(value)
    return out
