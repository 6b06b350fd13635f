"""Topic builders and the one parser."""

from __future__ import annotations

import pytest

from anju_contracts import Channel, DeviceKind, TopicError, parse_topic
from anju_contracts.topics import camera, edge, edge_subscriptions, gate


def test_builders_and_parser_round_trip() -> None:
    t = gate("lushan-01", "north-gate", Channel.event)
    assert t == "anju/lushan-01/gate/north-gate/event"
    parsed = parse_topic(t)
    assert (parsed.compound_id, parsed.kind, parsed.device_id, parsed.channel) == (
        "lushan-01",
        DeviceKind.gate,
        "north-gate",
        Channel.event,
    )
    assert str(parsed) == t
    assert parse_topic(camera("c1", "lobby-1", Channel.snapshot)).kind is DeviceKind.camera
    assert parse_topic(edge("c1", Channel.alerts)).device_id is None


def test_subscriptions_cover_device_channels() -> None:
    subs = edge_subscriptions("c1")
    assert "anju/c1/gate/+/event" in subs
    assert "anju/c1/camera/+/snapshot" in subs


@pytest.mark.parametrize(
    "topic",
    [
        "",
        "anju",
        "other/c1/gate/g1/event",
        "anju/c1/gate/g1",
        "anju/c1/gate/g1/event/extra",
        "anju/C1/gate/g1/event",
        "anju/c1/door/g1/event",
        "anju/c1/gate/g1/snapshot",
        "anju/c1/camera/cam1/command",
        "anju/c1/gate/g#/event",
        "anju/c1/edge/alerts/x",
        "anju/c1/edge/event",
        "anju//gate/g1/event",
    ],
)
def test_malformed_topics_are_refused(topic: str) -> None:
    with pytest.raises(TopicError):
        parse_topic(topic)


@pytest.mark.parametrize("bad", ["", "A", "a/b", "a+b", "a#", "-a", "x" * 64])
def test_builders_refuse_unsafe_ids(bad: str) -> None:
    with pytest.raises(TopicError):
        gate("c1", bad, Channel.event)
