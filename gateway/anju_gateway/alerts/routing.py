"""Who handles which alert (分类处置): the police, the property (物业, at the gate console) or both.

Each alert kind has a default handler (:data:`DEFAULT_ROUTES`); a precinct's admin may route
kinds differently and say from which severity a property alert goes to the police instead
(``raise_at``, critical by default). The handler is decided once, when the gateway receives the
alert, and kept on it (``alerts.handler``): changing the policy later does not move alerts
already received. docs/lifecycle.md, "Who handles which alert".
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from anju_contracts import AlertKind, Severity
from anju_contracts.alert import SEVERITY_RANK
from anju_gateway.store.routing import StoredPolicy


class Handler(StrEnum):
    police = "police"  # 公安: police clocks, officers own it; a guard's action is a note
    property = "property"  # 物业: acknowledged and closed at the gate console, own clocks
    both = "both"  # 公安 + 物业: police clocks and state, and the property's own clocks


# Every alert kind has a default; tests/gateway/alerts/test_routing.py checks none is missing.
DEFAULT_ROUTES: dict[AlertKind, Handler] = {
    AlertKind.door_forced: Handler.police,  # 门被强行打开
    AlertKind.intrusion: Handler.police,  # 周界入侵
    AlertKind.watchlist: Handler.police,  # 布控命中
    AlertKind.tamper: Handler.police,  # 设备被破坏
    AlertKind.crowd: Handler.both,  # 人员聚集
    AlertKind.loitering: Handler.property,  # 可疑徘徊: a guard looks first
    AlertKind.door_held_open: Handler.property,  # 门长时间未关
    AlertKind.fire_lane: Handler.property,  # 占用消防通道
    AlertKind.ebike_indoor: Handler.property,  # 电动车进楼
    AlertKind.device_offline: Handler.property,  # 设备离线
    AlertKind.camera_frozen: Handler.property,  # 画面冻结
    AlertKind.clock_skew: Handler.property,  # 设备时钟偏差
    AlertKind.never_seen: Handler.property,  # 设备未报上线
    # Raised by the gateway about a box, never seen at the gate console: the precinct handles it.
    AlertKind.edge_offline: Handler.police,  # 边缘盒离线
    AlertKind.data_loss: Handler.police,  # 边缘盒丢失数据
}
DEFAULT_RAISE_AT = Severity.critical


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
    """The handler of one alert. A kind the gateway does not know goes to the police."""
    handler = policy.routes.get(kind, Handler.police)
    if (
        handler is Handler.property
        and policy.raise_at is not None
        and severity in Severity.__members__
        and SEVERITY_RANK[Severity(severity)] >= SEVERITY_RANK[policy.raise_at]
    ):
        return Handler.police
    return handler


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
