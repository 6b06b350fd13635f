"""Percentiles, a uniform line format for benchmark results, and the record of every target."""

from __future__ import annotations

from dataclasses import dataclass

from anju_common.stats import percentile

__all__ = ["RESULTS", "Result", "percentile", "report"]


@dataclass(frozen=True)
class Result:
    name: str
    value: float
    unit: str
    target: str
    ok: bool


# Every result that has a target, in the order measured; the summary table is made from it.
RESULTS: list[Result] = []


def report(name: str, value: float, unit: str, target: str, ok: bool) -> bool:
    print(f"  {name:<58} {value:>10.2f} {unit:<8} target {target:<12} {'ok' if ok else 'MISSED'}")
    if target:
        RESULTS.append(Result(name, value, unit, target, ok))
    return ok
