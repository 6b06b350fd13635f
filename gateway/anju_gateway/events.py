"""The gateway's live-feed fan-out (the one implementation lives in anju.fanout)."""

from anju.fanout import Event, EventHub

__all__ = ["Event", "EventHub"]
