"""Parsing at the boundary: bytes in, a typed model or a PayloadError with a reason out."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import TypeVar

from pydantic import BaseModel, ValidationError

MAX_JSON_PAYLOAD = 16 * 1024

M = TypeVar("M", bound=BaseModel)


class RejectReason(StrEnum):
    """Label values of the rejected-input counters: one per way input can be bad."""

    too_large = "too_large"
    not_json = "not_json"
    schema = "schema"
    unknown_type = "unknown_type"
    bad_topic = "bad_topic"
    bad_image = "bad_image"
    unknown_device = "unknown_device"


class PayloadError(ValueError):
    def __init__(self, reason: RejectReason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def _describe(err: ValidationError) -> str:
    parts = []
    for item in err.errors(include_url=False)[:5]:
        path = ".".join(str(p) for p in item["loc"]) or "(payload)"
        parts.append(f"{path}: {item['msg']}")
    return "; ".join(parts)


def parse_json_payload(model: type[M], payload: bytes, *, max_bytes: int = MAX_JSON_PAYLOAD) -> M:
    """Validate one JSON payload; never raises anything but PayloadError."""
    if len(payload) > max_bytes:
        raise PayloadError(RejectReason.too_large, f"{len(payload)} bytes > limit {max_bytes}")
    try:
        data = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise PayloadError(RejectReason.not_json, f"not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise PayloadError(RejectReason.schema, "payload must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        unknown_type = any(
            e["loc"] == ("type",) and e["type"] == "enum" for e in exc.errors(include_url=False)
        )
        reason = RejectReason.unknown_type if unknown_type else RejectReason.schema
        raise PayloadError(reason, _describe(exc)) from None
