"""Enrolment: an edge box trades a one-time code for its device token."""

from __future__ import annotations

from pydantic import Field

from anju_contracts.common import Ident, UtcTime, Versioned


class EnrolRequest(Versioned):
    code: str = Field(min_length=8, max_length=64)
    hostname: str = Field(default="", max_length=128)


class EnrolResponse(Versioned):
    compound_id: Ident
    edge_id: str = Field(max_length=64)
    token: str = Field(min_length=32, max_length=128)
    issued_at: UtcTime
