"""RateLimitedLog: the first occurrence is logged, repeats within the interval are counted."""

from __future__ import annotations

import logging

import pytest

from anju_common.ratelog import RateLimitedLog


def test_repeats_are_suppressed_then_reported(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [100.0]
    monkeypatch.setattr("anju_common.ratelog.time.monotonic", lambda: now[0])
    log = RateLimitedLog(logging.getLogger("t.ratelog"), interval=60)
    caplog.set_level(logging.WARNING, logger="t.ratelog")
    assert log.warning("k", "bad %s", 1) is True
    for _ in range(5):
        assert log.warning("k", "bad %s", 2) is False
    assert log.warning("other", "different key") is True
    now[0] += 61
    assert log.warning("k", "bad %s", 3) is True
    messages = [r.getMessage() for r in caplog.records]
    assert messages == ["bad 1", "different key", "bad 3 (5 similar suppressed)"]
