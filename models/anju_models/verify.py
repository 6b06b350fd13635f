"""Checking model files against the manifest, and the model against its reference images.

The hash is reported but does not decide: re-converting the same source gives another sha256
with the same outputs. What decides is that the reference detections are found again.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import yaml

from anju_edge.detect.manifest import ModelEntry, load_manifest

logger = logging.getLogger(__name__)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


MATCH_IOU = 0.85
MATCH_SCORE_DELTA = 0.05
# Only confident reference detections must be found again; weak ones may flicker.
MUST_MATCH_SCORE = 0.5


@dataclass
class Report:
    model: str
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def iou(a: list[float], b: list[float]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _count_ok(rule: str, count: int) -> bool:
    if rule.startswith(">="):
        return count >= int(rule[2:])
    if rule.startswith("=="):
        return count == int(rule[2:])
    raise ValueError(f"expectation {rule!r} must start with >= or ==")


def detect_reference(
    entry: ModelEntry, models_dir: Path, min_score: float
) -> dict[str, list[dict[str, Any]]]:
    from anju_edge.detect.onnx_detector import OnnxDetector

    detector = OnnxDetector(entry, models_dir, threads=2)
    folder = models_dir / Path(entry.reference or "reference/expected.yaml").parent
    found: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(folder.glob("*.jpg")):
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        dets = detector.detect([image], min_score)[0]
        found[path.name] = [
            {
                "label": d.label,
                "score": round(d.score, 3),
                "box": [round(d.x1), round(d.y1), round(d.x2), round(d.y2)],
            }
            for d in dets
        ]
    return found


def verify_model(entry: ModelEntry, models_dir: Path, write: bool = False) -> Report:
    report = Report(entry.name)
    path = models_dir / entry.file
    if not path.exists():
        report.problems.append(f"{entry.file}: missing (rebuild with 'make models')")
        return report
    size = path.stat().st_size
    if size != entry.size_bytes:
        report.notes.append(f"{entry.file}: {size} bytes, manifest says {entry.size_bytes}")
    digest = sha256_of(path)
    if digest != entry.sha256:
        report.notes.append(
            f"{entry.file}: sha256 {digest[:12]}… differs from the manifest's "
            f"{entry.sha256[:12]}… (a rebuilt model; its outputs decide)"
        )
    if entry.reference is None:
        report.notes.append("no reference images: outputs not checked")
        return report
    ref_path = models_dir / entry.reference
    expected = yaml.safe_load(ref_path.read_text("utf-8"))
    found = detect_reference(entry, models_dir, expected["min_score"])
    if write:
        for name, dets in found.items():
            expected["images"].setdefault(name, {"expect": {}})["detections"] = dets
        ref_path.write_text(
            yaml.safe_dump(expected, allow_unicode=True, sort_keys=False, width=100), "utf-8"
        )
        report.notes.append(f"wrote {ref_path}")
    # An expectations file may widen the match (an INT8 model's kernels differ between CPUs).
    tolerance = expected.get("tolerance") or {}
    match_iou = float(tolerance.get("iou", MATCH_IOU))
    score_delta = float(tolerance.get("score", MATCH_SCORE_DELTA))
    for name, spec in expected["images"].items():
        got = found.get(name)
        if got is None:
            report.problems.append(f"{name}: reference image missing")
            continue
        for label, rule in (spec.get("expect") or {}).items():
            count = sum(1 for d in got if d["label"] == label)
            if not _count_ok(str(rule), count):
                report.problems.append(f"{name}: {count} {label}, expected {rule}")
        for ref in spec.get("detections", []):
            if ref["score"] < MUST_MATCH_SCORE:
                continue
            if not any(
                d["label"] == ref["label"]
                and iou(d["box"], ref["box"]) >= match_iou
                and abs(d["score"] - ref["score"]) <= score_delta
                for d in got
            ):
                report.problems.append(
                    f"{name}: {ref['label']} {ref['score']} at {ref['box']} not found again"
                )
    return report


def verify_all(models_dir: Path | None = None, write: bool = False) -> list[Report]:
    manifest, folder = load_manifest(models_dir)
    return [verify_model(entry, folder, write) for entry in manifest.models]
