"""The body a precinct's webhook receives for every new alert (docs/precinct-link.md).

It is sent as JSON with sorted keys (``to_json``), and signed over exactly those bytes.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import Field

from anju_contracts.common import WireModel
from anju_contracts.feed import AlertSummary


class WebhookAlert(AlertSummary):
    """The alert as an officer's system receives it: the summary and where it came from."""

    compound_name: str
    precinct_id: str
    source_kind: str = Field(description="camera, gate or edge.")
    details: dict[str, Any] = Field(description="Rule specifics (plate, dwell, count, ...).")
    has_snapshot: bool = Field(description="The snapshot stays at the gateway (console only).")
    received_at: str = Field(description="When the gateway stored it, UTC.")


class WebhookBody(WireModel):
    event: Literal["alert.new"] = "alert.new"
    alert: WebhookAlert

    def to_json(self) -> str:
        """The exact text that is signed and POSTed (sorted keys, Chinese kept readable)."""
        return json.dumps(self.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)
