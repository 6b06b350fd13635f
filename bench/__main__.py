"""Run all benchmarks (or those named: python -m bench delivery detect).

Exits 1 when any target was missed, after a summary table of every target."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path

from bench.stats import RESULTS
from bench.summary import summary


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    wanted = [f"bench_{a}" if not a.startswith("bench_") else a for a in argv]
    if wanted:
        names = [n for n in names if n in wanted]
    failed: list[str] = []
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        print(f"\n=== {name}: {(module.__doc__ or '').strip().splitlines()[0]}", flush=True)
        t0 = time.monotonic()
        misses = sum(not r.ok for r in RESULTS)
        ok = module.run()
        print(f"--- {name}: {'met' if ok else 'MISSED'} targets in {time.monotonic() - t0:.1f}s")
        # A module that failed without a failed row of its own (e.g. a check it could not make)
        # is named in the summary too.
        if not ok and sum(not r.ok for r in RESULTS) == misses:
            failed.append(name)
    table, code = summary(RESULTS, failed)
    print(f"\n=== summary ({len(names)} module(s))\n{table}")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
