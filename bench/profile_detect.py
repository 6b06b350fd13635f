"""Where the pipeline's CPU goes besides the model: `python -m bench.profile_detect [int8]`.

Runs the pipeline's stages one after another on this thread for the benchmark's frame and
camera setup and reads this thread's CPU clock around each stage; then cProfile over the same
loop lists the functions that cost the most outside onnxruntime. Not a target: a report.
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

FRAMES = 200


def stages(precision: str) -> None:
    from anju_contracts import SnapshotMeta
    from anju_edge.alerts import AlertSink
    from anju_edge.camera.pipeline import DetectionPipeline
    from anju_edge.camera.slots import Frame
    from anju_edge.config import parse_config
    from anju_edge.delivery.outbox import Outbox
    from anju_edge.detect.api import Detection
    from anju_edge.detect.onnx_detector import load_detector
    from bench.bench_detect import FRAME, ONE_PERSON_ZONE, _edge_config

    with tempfile.TemporaryDirectory() as tmp:
        cfg = parse_config(_edge_config(Path(tmp), 4, 1883, ONE_PERSON_ZONE, cooldown=3600))
        detector = load_detector("nanodet-m-416", None, 1, precision)
        pipeline = DetectionPipeline(
            cfg, detector, AlertSink("b", Outbox(Path(tmp) / "o", 1 << 30))
        )
        cpu: dict[str, float] = defaultdict(float)
        clock = [0.0]

        def lap(stage: str) -> None:
            now = time.thread_time()
            cpu[stage] += now - clock[0]
            clock[0] = now

        def one(i: int) -> list[Detection]:
            frame = Frame(f"cam{i % 4}", FRAME, SnapshotMeta(), time.monotonic())
            clock[0] = time.thread_time()
            image = pipeline.decode(frame)
            assert image is not None
            lap("JPEG decode + masks")
            prepared = detector.prepare(image)
            lap("letterbox + normalise")
            outputs = detector.infer(prepared.tensor[None])
            lap("model (onnxruntime)")
            dets = detector._decode(outputs, prepared, pipeline.min_score)
            lap("output decode + NMS + map back")
            pipeline._camera(frame, prepared.width, prepared.height, dets)
            lap("track + rules")
            return dets

        for i in range(8):  # warm-up; the first frames of each camera raise their alerts
            one(i)
        cpu.clear()
        for i in range(FRAMES):
            dets = one(i)
        total = sum(cpu.values())
        print(f"CPU per frame by stage, {precision}, one thread, {FRAMES} frames:")
        for name, spent in cpu.items():
            print(f"  {name:<34} {spent / FRAMES * 1000:7.2f} ms  {spent / total * 100:5.1f} %")
        print(f"  {'total':<34} {total / FRAMES * 1000:7.2f} ms")

        # One alert's thumbnail (decode again, draw zone, boxes, labels and legend, JPEG): only
        # on alerts, on the annotate thread (bench_annotate measures it with a target).
        from datetime import datetime

        from anju_contracts import AlertKind
        from anju_edge.camera.annotate import Legend, ZoneView, alert_snapshot

        zone = ZoneView("z", "", pipeline.cameras["cam0"].rules.zones["z"], fired=True)
        legend = Legend(AlertKind.intrusion, "z", "", "cam0", "", datetime.now())
        t = time.thread_time()
        for _ in range(50):
            image = pipeline.decode(Frame("cam0", FRAME, SnapshotMeta(), 0.0))
            assert image is not None
            alert_snapshot(image, dets, dets[:1], [zone], legend)
        per_alert = (time.thread_time() - t) / 50 * 1000
        print(f"  per alert only: thumbnail (decode + draw + JPEG) {per_alert:.2f} ms")

        profile = cProfile.Profile(time.thread_time)  # CPU time, not wall
        profile.enable()
        for i in range(FRAMES):
            one(i)
        profile.disable()
        stats = pstats.Stats(profile)
        stats.sort_stats("tottime")
        print("cProfile (CPU clock), top functions by own time per frame, onnxruntime excluded:")
        rows = sorted(
            (
                (v[2], k)
                for k, v in stats.stats.items()  # type: ignore[attr-defined]
                if "onnxruntime" not in k[2] and "thread_time" not in k[2]
            ),
            reverse=True,
        )
        for tottime, (file, line, func) in rows[:15]:
            print(f"  {tottime / FRAMES * 1000:7.3f} ms  {func} ({Path(file).name}:{line})")


if __name__ == "__main__":
    stages(sys.argv[1] if len(sys.argv) > 1 else "fp32")
