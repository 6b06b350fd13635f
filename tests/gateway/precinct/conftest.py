"""Shared: a real GA/T 1400 upper system for the precinct-link tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.viid_server import ViidServer


@pytest.fixture
def upper() -> Iterator[ViidServer]:
    server = ViidServer()
    yield server
    server.stop()
