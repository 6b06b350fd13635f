"""Run all benchmarks (or those named: python -m bench delivery detect)."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    wanted = [f"bench_{a}" if not a.startswith("bench_") else a for a in argv]
    if wanted:
        names = [n for n in names if n in wanted]
    failed = 0
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        print(f"\n=== {name}: {(module.__doc__ or '').strip().splitlines()[0]}", flush=True)
        t0 = time.monotonic()
        ok = module.run()
        print(f"--- {name}: {'met' if ok else 'MISSED'} targets in {time.monotonic() - t0:.1f}s")
        failed += 0 if ok else 1
    print(f"\n{len(names) - failed} benchmark module(s) met their targets, {failed} missed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
