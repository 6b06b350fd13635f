"""Property-based tests of the boundary parsers: arbitrary bytes, arbitrary JSON and arbitrary
topics never raise past the boundary, and every refusal carries a reason and a message."""

from __future__ import annotations

import json
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from anju_contracts import (
    Channel,
    DeviceKind,
    GateEvent,
    Heartbeat,
    MotionEvent,
    PayloadError,
    PlateError,
    RejectReason,
    TopicError,
    normalise_plate,
    parse_json_payload,
    parse_status,
    parse_topic,
)
from anju_contracts.topics import camera, gate

BOUNDARY_MODELS: list[type[BaseModel]] = [GateEvent, MotionEvent, Heartbeat]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=6)
    ),
    max_leaves=30,
)

# Gate events that look almost right: the real keys with arbitrary values, so that the
# validators themselves (not only the JSON decoder) meet hostile input.
near_gate_events = st.fixed_dictionaries(
    {"v": json_values | st.just(1), "seq": json_values, "ts": json_values, "type": json_values},
    optional={
        "direction": json_values,
        "result": json_values,
        "credential": json_values,
        "plate": json_values,
        "plate_confidence": json_values,
        "held_seconds": json_values,
    },
)

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check_refusal(model: type[BaseModel], payload: bytes) -> None:
    try:
        parsed = parse_json_payload(model, payload)
    except PayloadError as exc:
        assert isinstance(exc.reason, RejectReason)
        assert exc.message.strip()
    else:
        assert isinstance(parsed, model)


@FAST
@given(payload=st.binary(max_size=2048))
def test_arbitrary_bytes_are_parsed_or_refused_with_a_reason(payload: bytes) -> None:
    for model in BOUNDARY_MODELS:
        check_refusal(model, payload)


@FAST
@given(value=json_values)
def test_arbitrary_json_is_parsed_or_refused_with_a_reason(value: object) -> None:
    payload = json.dumps(value).encode()
    for model in BOUNDARY_MODELS:
        check_refusal(model, payload)


@FAST
@given(value=near_gate_events)
def test_near_gate_events_are_parsed_or_refused_with_a_reason(value: dict[str, object]) -> None:
    check_refusal(GateEvent, json.dumps(value).encode())


@FAST
@given(payload=st.binary(max_size=64))
def test_status_payloads_are_a_state_or_a_value_error(payload: bytes) -> None:
    try:
        parse_status(payload)
    except ValueError as exc:
        assert str(exc)


@FAST
@given(topic=st.text(max_size=80) | st.lists(st.text(max_size=12), max_size=7).map("/".join))
def test_arbitrary_topics_are_parsed_or_refused_with_a_reason(topic: str) -> None:
    try:
        parsed = parse_topic(topic)
    except TopicError as exc:
        assert str(exc)
    else:
        assert str(parsed) == topic  # only what round-trips is accepted


ids = st.text(alphabet=string.ascii_lowercase + string.digits + "-_", min_size=1, max_size=32)


@FAST
@given(compound=ids, device=ids, channel=st.sampled_from([Channel.event, Channel.status]))
def test_valid_gate_topics_round_trip(compound: str, device: str, channel: Channel) -> None:
    try:
        topic = gate(compound, device, channel)
    except TopicError:
        return  # an id the builders refuse is refused the same way by the parser below
    parsed = parse_topic(topic)
    assert (parsed.compound_id, parsed.kind, parsed.device_id, parsed.channel) == (
        compound,
        DeviceKind.gate,
        device,
        channel,
    )
    assert parse_topic(camera(compound, device, Channel.snapshot)).kind is DeviceKind.camera


@FAST
@given(raw=st.text(max_size=24))
def test_plates_are_normalised_or_refused_with_a_reason(raw: str) -> None:
    try:
        plate = normalise_plate(raw)
    except PlateError as exc:
        assert str(exc)
    else:
        assert normalise_plate(plate) == plate  # canonical form is a fixed point
