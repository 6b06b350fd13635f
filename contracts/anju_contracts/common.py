"""Building blocks shared by every contract: strict models, identifiers and UTC time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, PlainSerializer, StringConstraints

PROTOCOL_VERSION = 1

# Identifiers travel inside MQTT topics, so they must never contain '/', '+' or '#'.
IDENT_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,62}$"
Ident = Annotated[str, StringConstraints(pattern=IDENT_PATTERN)]


def _require_utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("timestamp needs a UTC offset, e.g. 2026-11-23T03:00:00.000Z")
    try:
        return value.astimezone(UTC)
    except OverflowError:  # year 1 east of UTC, year 9999 west of it
        raise ValueError("timestamp out of range in UTC") from None


def format_ts(value: datetime) -> str:
    """ISO-8601 in UTC with milliseconds and a trailing Z, as every payload carries it."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_ts(value: str) -> datetime:
    """A stored :func:`format_ts` string back as an aware datetime."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


UtcTime = Annotated[
    datetime,
    AfterValidator(_require_utc),
    PlainSerializer(format_ts, return_type=str, when_used="json"),
]


def utcnow() -> datetime:
    return datetime.now(UTC)


class Strict(BaseModel):
    """The one strict base: unknown fields are refused (request bodies, views, config)."""

    model_config = ConfigDict(extra="forbid")


class WireModel(Strict):
    """Base of every wire payload: unknown fields are refused, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Versioned(WireModel):
    v: Literal[1] = 1  # PROTOCOL_VERSION; a new major version gets a new Literal
