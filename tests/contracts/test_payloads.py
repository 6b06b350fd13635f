"""Payload validation at the boundary: each way to be wrong has its reason."""

from __future__ import annotations

import json

import pytest

from anju_contracts import (
    Alert,
    GateEvent,
    GateEventType,
    PayloadError,
    RejectReason,
    parse_json_payload,
    parse_status,
)
from anju_contracts.parsing import MAX_JSON_PAYLOAD

GOOD = {"v": 1, "seq": 1, "ts": "2026-11-23T03:00:00.000Z", "type": "door_forced"}


def dump(data: object) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode()


def test_good_event_parses_with_utc_time() -> None:
    event = parse_json_payload(GateEvent, dump(GOOD))
    assert event.type is GateEventType.door_forced
    assert event.ts.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert json.loads(event.model_dump_json())["ts"] == "2026-11-23T03:00:00.000Z"


def test_offset_times_are_normalised_to_utc() -> None:
    event = parse_json_payload(GateEvent, dump({**GOOD, "ts": "2026-11-23T11:00:00+08:00"}))
    assert json.loads(event.model_dump_json())["ts"] == "2026-11-23T03:00:00.000Z"


@pytest.mark.parametrize("ts", ["0001-01-01T00:30:00+01:00", "9999-12-31T23:30:00-01:00"])
def test_times_that_leave_the_calendar_in_utc_are_refused(ts: str) -> None:
    # Year 1 at +01:00 is year 0 in UTC: the conversion overflows. It used to raise
    # OverflowError past the boundary instead of a refusal with a reason.
    with pytest.raises(PayloadError) as info:
        parse_json_payload(GateEvent, dump({**GOOD, "ts": ts}))
    assert info.value.reason is RejectReason.schema


@pytest.mark.parametrize(
    "payload,reason",
    [
        (b"not json", RejectReason.not_json),
        (b"\xff\xfe\x00", RejectReason.not_json),
        (b"[1, 2]", RejectReason.schema),
        (dump({**GOOD, "seq": "one"}), RejectReason.schema),
        (dump({**GOOD, "seq": -1}), RejectReason.schema),
        (dump({**GOOD, "ts": "2026-11-23T03:00:00"}), RejectReason.schema),
        (dump({**GOOD, "colour": "red"}), RejectReason.schema),
        (dump({**GOOD, "v": 2}), RejectReason.schema),
        (dump({**GOOD, "type": "alien_landing"}), RejectReason.unknown_type),
        (dump({**GOOD, "type": "plate_read"}), RejectReason.schema),
        (dump({**GOOD, "type": "card_swipe"}), RejectReason.schema),
        (dump({**GOOD, "plate_confidence": 1.5}), RejectReason.schema),
        (b"{" + b" " * MAX_JSON_PAYLOAD + b"}", RejectReason.too_large),
    ],
    ids=[
        "not-json",
        "not-utf8",
        "array",
        "wrong-type",
        "negative-seq",
        "naive-time",
        "unknown-field",
        "future-version",
        "unknown-event-type",
        "plate-read-without-plate",
        "swipe-without-credential",
        "confidence-over-1",
        "oversized",
    ],
)
def test_bad_payloads_have_reasons(payload: bytes, reason: RejectReason) -> None:
    with pytest.raises(PayloadError) as info:
        parse_json_payload(GateEvent, payload)
    assert info.value.reason is reason
    assert info.value.message


def test_schema_errors_name_the_field() -> None:
    with pytest.raises(PayloadError) as info:
        parse_json_payload(GateEvent, dump({**GOOD, "seq": "one"}))
    assert "seq" in info.value.message


@pytest.mark.parametrize("payload", [b"online", b"offline", b"stopped", b"online\n"])
def test_status_values(payload: bytes) -> None:
    assert parse_status(payload).value == payload.decode().strip()


@pytest.mark.parametrize("payload", [b"", b"ONLINE", b"up", b"\xff"])
def test_bad_status_values(payload: bytes) -> None:
    with pytest.raises(ValueError):
        parse_status(payload)


def test_alert_refuses_oversized_thumbnail_and_bad_ids() -> None:
    base = {
        "id": "01JD5K8Q0ZS4X7GJ2M8T3V9W6B",
        "compound_id": "c1",
        "source_kind": "gate",
        "source_id": "g1",
        "kind": "tamper",
        "severity": "high",
        "ts": "2026-11-23T03:00:00.000Z",
    }
    Alert.model_validate(base)
    with pytest.raises(ValueError):
        Alert.model_validate({**base, "snapshot_jpeg_b64": "A" * 100_000})
    with pytest.raises(ValueError):
        Alert.model_validate({**base, "id": "not-a-ulid"})
