"""Percentiles, a uniform line format for benchmark results, and the record of every target."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Result:
    name: str
    value: float
    unit: str
    target: str
    ok: bool


# Every result that has a target, in the order measured; the summary table is made from it.
RESULTS: list[Result] = []


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100.0
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def report(name: str, value: float, unit: str, target: str, ok: bool) -> bool:
    print(f"  {name:<58} {value:>10.2f} {unit:<8} target {target:<12} {'ok' if ok else 'MISSED'}")
    if target:
        RESULTS.append(Result(name, value, unit, target, ok))
    return ok
