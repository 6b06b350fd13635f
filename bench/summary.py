"""The table `make bench` ends with, and its exit code: 1 when any target was missed."""

from __future__ import annotations

from collections.abc import Sequence

from bench.stats import Result


def summary(results: Sequence[Result], failed_modules: Sequence[str] = ()) -> tuple[str, int]:
    """The summary table and the exit code (0 only if every target was met and every module
    ran to the end)."""
    width = max([len(r.name) for r in results] + [len("target")])
    lines = [f"{'result':<{width}}  {'measured':>18}  {'target':<12}  pass"]
    lines.append("-" * len(lines[0]))
    for r in results:
        measured = f"{r.value:.2f} {r.unit}"
        lines.append(
            f"{r.name:<{width}}  {measured:>18}  {r.target:<12}  {'pass' if r.ok else 'FAIL'}"
        )
    missed = [r for r in results if not r.ok]
    lines.extend(f"module {m}: MISSED (a check without a row above failed)" for m in failed_modules)
    lines.append(
        f"{len(results) - len(missed)} of {len(results)} targets met"
        + (f"; {len(failed_modules)} module(s) failed" if failed_modules else "")
    )
    return "\n".join(lines), 1 if missed or failed_modules else 0
