"""MQTT topic builders and the one parser for ``anju/<compound>/<kind>/<id>/<channel>``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from anju_contracts.common import IDENT_PATTERN

ROOT = "anju"
_IDENT = re.compile(IDENT_PATTERN)


class DeviceKind(StrEnum):
    gate = "gate"
    camera = "camera"
    edge = "edge"


class Channel(StrEnum):
    event = "event"
    status = "status"
    command = "command"
    snapshot = "snapshot"
    motion = "motion"
    alerts = "alerts"


_CHANNELS: dict[DeviceKind, set[Channel]] = {
    DeviceKind.gate: {Channel.event, Channel.status, Channel.command},
    DeviceKind.camera: {Channel.snapshot, Channel.motion, Channel.status},
    DeviceKind.edge: {Channel.alerts, Channel.status},
}


class TopicError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Topic:
    compound_id: str
    kind: DeviceKind
    device_id: str | None
    channel: Channel

    def __str__(self) -> str:
        if self.kind is DeviceKind.edge:
            return f"{ROOT}/{self.compound_id}/edge/{self.channel.value}"
        return f"{ROOT}/{self.compound_id}/{self.kind.value}/{self.device_id}/{self.channel.value}"


def _check(name: str, value: str) -> str:
    if not _IDENT.match(value):
        raise TopicError(f"{name} {value!r} must match {IDENT_PATTERN}")
    return value


def gate(compound_id: str, gate_id: str, channel: Channel) -> str:
    if channel not in _CHANNELS[DeviceKind.gate]:
        raise TopicError(f"gates have no {channel.value} channel")
    return str(
        Topic(_check("compound", compound_id), DeviceKind.gate, _check("gate", gate_id), channel)
    )


def camera(compound_id: str, camera_id: str, channel: Channel) -> str:
    if channel not in _CHANNELS[DeviceKind.camera]:
        raise TopicError(f"cameras have no {channel.value} channel")
    cam = _check("camera", camera_id)
    return str(Topic(_check("compound", compound_id), DeviceKind.camera, cam, channel))


def edge(compound_id: str, channel: Channel) -> str:
    if channel not in _CHANNELS[DeviceKind.edge]:
        raise TopicError(f"the edge has no {channel.value} channel")
    return str(Topic(_check("compound", compound_id), DeviceKind.edge, None, channel))


def edge_subscriptions(compound_id: str) -> list[str]:
    """What the edge service reads from its broker."""
    c = _check("compound", compound_id)
    return [
        f"{ROOT}/{c}/gate/+/event",
        f"{ROOT}/{c}/gate/+/status",
        f"{ROOT}/{c}/camera/+/snapshot",
        f"{ROOT}/{c}/camera/+/motion",
        f"{ROOT}/{c}/camera/+/status",
    ]


def parse_topic(topic: str) -> Topic:
    parts = topic.split("/")
    if len(parts) < 4 or parts[0] != ROOT:
        raise TopicError(f"not an anju topic: {topic[:120]!r}")
    compound = _check("compound", parts[1])
    try:
        kind = DeviceKind(parts[2])
    except ValueError:
        raise TopicError(f"unknown device kind {parts[2][:32]!r}") from None
    if kind is DeviceKind.edge:
        if len(parts) != 4:
            raise TopicError(f"edge topics have 4 levels: {topic[:120]!r}")
        device_id, channel_name = None, parts[3]
    else:
        if len(parts) != 5:
            raise TopicError(f"{kind.value} topics have 5 levels: {topic[:120]!r}")
        device_id, channel_name = _check(kind.value, parts[3]), parts[4]
    try:
        channel = Channel(channel_name)
    except ValueError:
        raise TopicError(f"unknown channel {channel_name[:32]!r}") from None
    if channel not in _CHANNELS[kind]:
        raise TopicError(f"{kind.value} has no {channel.value} channel")
    return Topic(compound, kind, device_id, channel)
