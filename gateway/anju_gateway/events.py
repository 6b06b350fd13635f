"""The gateway's live-feed fan-out (the one implementation lives in anju_common.fanout)."""

from anju_common.fanout import Event, EventHub

__all__ = ["Event", "EventHub"]
