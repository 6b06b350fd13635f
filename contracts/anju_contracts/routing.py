"""Who handles which alert (分类处置): the police, the property (物业, at the gate console) or both.

The one definition of the handlers, the default route of every alert kind and the decision
itself, used by the gateway (which decides once, at receipt, and keeps it on the alert) and by
the edge's gate console (which shows each alert as the gateway routes it, from the precinct's
policy delivered in :class:`~anju_contracts.sync.EdgeSync`). docs/lifecycle.md, "Who handles
which alert".
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from anju_contracts.alert import SEVERITY_RANK, AlertKind, Severity
from anju_contracts.common import WireModel


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
DEFAULT_PROPERTY_ACK_MINUTES = 10.0  # the gateway's ANJU_GATEWAY_SLA_PROPERTY_ACK_MINUTES
DEFAULT_PROPERTY_CLOSE_HOURS = 24.0  # the gateway's ANJU_GATEWAY_SLA_PROPERTY_CLOSE_HOURS


def decide_handler(
    routes: Mapping[str, Handler], raise_at: Severity | None, kind: str, severity: str
) -> Handler:
    """The handler of one alert: its kind's route, except that a property alert from
    ``raise_at`` up goes to the police. A kind the policy does not know goes to the police."""
    handler = routes.get(kind, Handler.police)
    if (
        handler is Handler.property
        and raise_at is not None
        and severity in Severity.__members__
        and SEVERITY_RANK[Severity(severity)] >= SEVERITY_RANK[raise_at]
    ):
        return Handler.police
    return handler


def _default_routes() -> dict[str, Handler]:
    return {kind.value: handler for kind, handler in DEFAULT_ROUTES.items()}


class RoutingPolicy(WireModel):
    """A box's precinct's routing in force, and the property's clocks (sent in EdgeSync)."""

    routes: dict[Annotated[str, Field(max_length=32)], Handler] = Field(
        default_factory=_default_routes,
        description="Every alert kind and its handler (the defaults with the precinct's choices).",
    )
    raise_at: Severity | None = Field(
        default=DEFAULT_RAISE_AT,
        description="From this severity up a property alert goes to the police; null: never.",
    )
    property_ack_minutes: Annotated[float, Field(gt=0)] = DEFAULT_PROPERTY_ACK_MINUTES
    property_close_hours: Annotated[float, Field(gt=0)] = DEFAULT_PROPERTY_CLOSE_HOURS

    def handler_for(self, kind: str, severity: str) -> Handler:
        return decide_handler(self.routes, self.raise_at, kind, severity)
