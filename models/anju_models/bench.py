"""Latency of the bare model on this machine: median and p90 of repeated runs."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import cv2
import numpy as np

from anju_edge.detect.manifest import load_manifest


def bench_model(
    name: str, threads: int, runs: int, models_dir: Path | None = None
) -> dict[str, float]:
    from anju_edge.detect.onnx_detector import OnnxDetector

    manifest, folder = load_manifest(models_dir)
    entry = manifest.get(name)
    detector = OnnxDetector(entry, folder, threads=threads)
    image = cv2.imread(str(folder / "reference" / "vtest_0200.jpg"), cv2.IMREAD_COLOR)
    batch = np.stack([detector.prepare(image).tensor])
    detector.infer(batch)  # warm-up: first run allocates
    infer_ms, full_ms = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        detector.infer(batch)
        infer_ms.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        detector.detect([image], entry.default_min_score)
        full_ms.append((time.perf_counter() - t0) * 1000)
    return {
        "threads": threads,
        "infer_p50_ms": statistics.median(infer_ms),
        "infer_p90_ms": sorted(infer_ms)[int(0.9 * (runs - 1))],
        "detect_p50_ms": statistics.median(full_ms),
        "fps_one_worker": 1000 / statistics.median(full_ms),
    }
