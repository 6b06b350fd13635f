"""INT8 against fp32: CPU per frame on one core, agreement on held-out real frames, memory."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import cv2

from bench.stats import report

ROUNDS = 7
RUNS = 10


def _cpu_flags() -> set[str]:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(("flags", "Features")):
                return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def speed_up() -> bool:
    """One onnxruntime thread each, alternating, CPU seconds of the calling thread per run."""
    from anju_edge.detect.images import decode_jpeg
    from anju_edge.detect.onnx_detector import load_detector
    from bench.bench_detect import FRAME

    models = {p: load_detector("nanodet-m-416", None, 1, p) for p in ("fp32", "int8")}
    image = decode_jpeg(FRAME, 1 << 23, 1 << 25)
    batch = models["fp32"].prepare(image).tensor[None]
    ms: dict[str, list[float]] = {p: [] for p in models}
    for detector in models.values():
        detector.infer(batch)
    for _ in range(ROUNDS):
        for precision, detector in models.items():
            t0 = time.thread_time()
            for _ in range(RUNS):
                detector.infer(batch)
            ms[precision].append((time.thread_time() - t0) / RUNS * 1000)
    ratios = sorted(f / i for f, i in zip(ms["fp32"], ms["int8"], strict=True))
    ratio = ratios[len(ratios) // 2]
    flags = _cpu_flags()
    vnni = sorted(flags & {"avx512_vnni", "avx_vnni", "asimddp"}) or ["none"]
    rounds = ", ".join(f"{r:.2f}" for r in ratios)
    print(f"  (CPU dot-product flags: {', '.join(vnni)}; rounds {rounds})")
    report("fp32 inference CPU per frame, 1 thread", statistics.median(ms["fp32"]), "ms", "", True)
    report("int8 inference CPU per frame, 1 thread", statistics.median(ms["int8"]), "ms", "", True)
    return report(
        "INT8 speed-up over fp32 (CPU time, one core)", ratio, "x", ">= 1.5", ratio >= 1.5
    )


def recall() -> bool:
    from anju_edge.detect.manifest import default_models_dir
    from anju_edge.detect.onnx_detector import load_detector
    from anju_models.agreement import agreement
    from anju_models.int8 import held_out_images

    paths = held_out_images(default_models_dir())
    images = [(p.name, cv2.imread(str(p), cv2.IMREAD_COLOR)) for p in paths]
    fp32 = load_detector("nanodet-m-416", None, 2, "fp32")
    int8 = load_detector("nanodet-m-416", None, 2, "int8")
    result = agreement(fp32, int8, images, fp32.entry.default_min_score)
    print(
        f"  ({len(images)} held-out pictures, {result.confident} fp32 detections >= 0.5; "
        f"missed: {', '.join(result.missed) or 'none'}; score shift mean "
        f"{result.mean_shift:+.3f}, mean absolute {result.mean_abs_shift:.3f})"
    )
    report("INT8 score - fp32 score, mean (matched)", result.mean_shift, "", "", True)
    report("INT8 score - fp32 score, mean absolute", result.mean_abs_shift, "", "", True)
    return report(
        "INT8 recall of fp32's confident detections, IoU >= 0.5",
        result.recall * 100,
        "%",
        ">= 98",
        result.recall >= 0.98,
    )


def run() -> bool:
    from bench.bench_detect import live_edge, throughput

    ok = speed_up()
    ok &= recall()
    # The pipeline's efficiency with the cheaper model, for information: the same non-model
    # CPU per frame weighs more against a faster model.
    throughput("int8", target=False)
    ok &= live_edge(precision="int8")
    return ok
