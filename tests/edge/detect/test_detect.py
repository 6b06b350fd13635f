"""The real model on real photographs: people, vehicles, motorbikes; no person on the cat."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import pytest

from anju_edge.detect.onnx_detector import OnnxDetector, load_detector

REF = Path(__file__).resolve().parents[3] / "models" / "reference"


@pytest.fixture(scope="module")
def detector() -> OnnxDetector:
    return load_detector("nanodet-m-416", None, threads=2)


def detect(detector: OnnxDetector, name: str, min_score: float = 0.35):  # type: ignore[no-untyped-def]
    image = cv2.imread(str(REF / name), cv2.IMREAD_COLOR)
    return image, detector.detect([image], min_score)[0]


def labels(dets) -> list[str]:  # type: ignore[no-untyped-def]
    return [d.label for d in dets]


def test_astronaut_is_one_person_covering_her(detector: OnnxDetector) -> None:
    image, dets = detect(detector, "astronaut.jpg")
    people = [d for d in dets if d.label == "person"]
    assert len(people) == 1
    p = people[0]
    h, w = image.shape[:2]
    # She fills the left two thirds of the frame, head to bottom edge.
    assert p.score > 0.6
    assert p.x1 < 0.1 * w and 0.55 * w < p.x2 < 0.8 * w
    assert p.y1 < 0.1 * h and p.y2 > 0.9 * h


def test_cameraman_is_a_person(detector: OnnxDetector) -> None:
    _, dets = detect(detector, "camera.jpg")
    assert labels(dets).count("person") == 1


def test_cat_is_no_person(detector: OnnxDetector) -> None:
    _, dets = detect(detector, "chelsea.jpg", min_score=0.2)
    assert "person" not in labels(dets)
    assert "cat" in labels(dets)


def test_motorbike_found(detector: OnnxDetector) -> None:
    image, dets = detect(detector, "motorcycle_left.jpg")
    bikes = [d for d in dets if d.label == "motorcycle"]
    assert len(bikes) == 1 and bikes[0].score > 0.6
    assert bikes[0].area > 0.4 * image.shape[0] * image.shape[1]


@pytest.mark.parametrize(
    "name,at_least", [("vtest_0000.jpg", 3), ("vtest_0200.jpg", 6), ("vtest_0400.jpg", 3)]
)
def test_plaza_pedestrians_and_parked_vehicles(
    detector: OnnxDetector, name: str, at_least: int
) -> None:
    image, dets = detect(detector, name)
    people = [d for d in dets if d.label == "person" and d.score >= 0.5]
    assert len(people) >= at_least
    h, w = image.shape[:2]
    for p in people:
        # Pedestrians in this CCTV view are upright and small.
        assert (p.y2 - p.y1) > (p.x2 - p.x1)
        assert p.area < 0.05 * w * h
    assert any(d.label == "car" for d in dets)


def test_batch_equals_single(detector: OnnxDetector) -> None:
    images = [cv2.imread(str(REF / n)) for n in ("vtest_0000.jpg", "astronaut.jpg")]
    batch = detector.detect(images, 0.35)
    single = [detector.detect([img], 0.35)[0] for img in images]
    assert [labels(b) for b in batch] == [labels(s) for s in single]


def test_detect_command_prints_json_lines(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "anju",
            "edge",
            "detect",
            str(REF / "astronaut.jpg"),
            str(REF / "chelsea.jpg"),
            "--annotate",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [Path(line["image"]).name for line in lines] == ["astronaut.jpg", "chelsea.jpg"]
    person = lines[0]["detections"][0]
    assert set(person) == {"label", "score", "box"}
    assert person["label"] == "person" and person["score"] >= 0.35
    assert all(isinstance(v, int) for v in person["box"])
    assert all(d["label"] != "person" for d in lines[1]["detections"])
    assert (tmp_path / "astronaut.jpg").exists()


def test_models_verify_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "anju", "models", "verify"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "nanodet-m-416: ok" in result.stdout
