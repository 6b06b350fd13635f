"""`make bench` exits 1 when any target was missed, and says which in its summary table."""

from __future__ import annotations

from bench.stats import RESULTS, Result, report
from bench.summary import summary


def test_all_targets_met_exits_zero() -> None:
    table, code = summary([Result("CPU efficiency", 0.95, "ratio", ">= 0.93", True)])
    assert code == 0
    assert "pass" in table and "1 of 1 targets met" in table


def test_one_missed_target_exits_one_and_is_named() -> None:
    results = [
        Result("CPU efficiency", 0.91, "ratio", ">= 0.93", False),
        Result("INT8 speed-up", 2.7, "x", ">= 1.5", True),
    ]
    table, code = summary(results)
    assert code == 1
    [failed] = [line for line in table.splitlines() if line.endswith("FAIL")]
    assert failed.startswith("CPU efficiency") and "0.91 ratio" in failed
    assert "1 of 2 targets met" in table


def test_a_module_failing_without_a_row_still_fails() -> None:
    table, code = summary([], failed_modules=["bench_delivery"])
    assert code == 1
    assert "bench_delivery" in table


def test_report_records_only_lines_with_a_target() -> None:
    before = len(RESULTS)
    try:
        assert report("informational", 1.0, "ms", "", True)
        assert not report("with a target", 2.0, "ms", "<= 1", False)
        assert [r.name for r in RESULTS[before:]] == ["with a target"]
    finally:
        del RESULTS[before:]
