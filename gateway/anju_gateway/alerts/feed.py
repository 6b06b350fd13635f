"""Putting payloads on the officers' live feed; each is a model of :mod:`anju_contracts.feed`."""

from __future__ import annotations

from anju_contracts.feed import AlertSummary, FeedEvent
from anju_gateway.events import Event, EventHub


def publish(hub: EventHub, payload: FeedEvent) -> None:
    """Fan one payload out as its SSE event, tagged with its compound for scoping."""
    hub.publish(Event(payload.EVENT, payload.compound_id, payload.model_dump(mode="json")))


def summary(alert: AlertSummary) -> AlertSummary:
    """The ``alert.new`` payload of any richer alert shape (stored, new, webhook)."""
    return AlertSummary.model_validate(alert.model_dump(include=set(AlertSummary.model_fields)))
