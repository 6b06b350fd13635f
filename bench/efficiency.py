"""Pipeline against bare onnxruntime, alternating, in wall time and in CPU time.

CPU time is what a shared machine cannot blur: a frame costs the same CPU seconds whether or not
another process holds the other core. The pipeline's cost is read from the per-thread CPU clocks
of its own threads (prepare and workers), bare onnxruntime's from its runner threads; the process
total (getrusage) is printed too, though it includes the benchmark's feeding loop.
"""

from __future__ import annotations

import resource
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Phase:
    frames: float
    wall_s: float
    cpu_s: float  # the phase's own threads
    process_cpu_s: float  # the whole process (getrusage)

    @property
    def fps(self) -> float:
        return self.frames / self.wall_s

    @property
    def cpu_ms_per_frame(self) -> float:
        return self.cpu_s / self.frames * 1000


def process_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def thread_cpu(threads: list[threading.Thread]) -> float:
    total = 0.0
    for t in threads:
        if t.ident is not None and t.is_alive():
            total += time.clock_gettime(time.pthread_getcpuclockid(t.ident))
    return total


def bare(
    infer: Callable[[np.ndarray], object], batch: np.ndarray, frames: int, workers: int
) -> Phase:
    """``workers`` threads running the model back to back on the same prepared frame."""
    spent = [0.0] * workers
    per = frames // workers

    def loop(i: int) -> None:
        t0 = time.thread_time()
        for _ in range(per):
            infer(batch)
        spent[i] = time.thread_time() - t0

    runners = [threading.Thread(target=loop, args=(i,)) for i in range(workers)]
    p0, t0 = process_cpu(), time.perf_counter()
    for r in runners:
        r.start()
    for r in runners:
        r.join()
    return Phase(per * workers, time.perf_counter() - t0, sum(spent), process_cpu() - p0)


def piped(
    frames_done: Callable[[], float],
    feed: Callable[[], None],
    threads: list[threading.Thread],
    frames: int,
) -> Phase:
    """Keep the pipeline's slots full until it has detected ``frames`` more frames (wall time),
    then stop feeding and let it finish what it holds, so that every CPU second read from its
    threads belongs to a frame counted."""
    base = frames_done()
    c0, p0, t0 = thread_cpu(threads), process_cpu(), time.perf_counter()
    while frames_done() - base < frames:
        feed()
        time.sleep(0.01)
    wall = time.perf_counter() - t0
    at_target = frames_done() - base
    last, still = frames_done(), 0
    while still < 5:  # 0.5 s without another frame finished: drained
        time.sleep(0.1)
        now = frames_done()
        still = still + 1 if now == last else 0
        last = now
    done = last - base
    # Wall throughput counts only the frames finished before the target was reached.
    return Phase(done, wall * done / at_target, thread_cpu(threads) - c0, process_cpu() - p0)
