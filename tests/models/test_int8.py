"""The INT8 model: chosen by precision, verified like the fp32 one, calibrated off the test set."""

from __future__ import annotations

from pathlib import Path

import pytest

from anju_edge.config import parse_config
from anju_edge.detect.api import Detection
from anju_edge.detect.manifest import default_models_dir, load_manifest
from anju_edge.detect.onnx_detector import load_detector
from anju_models.agreement import Agreement, compare
from anju_models.int8 import calibration_images, held_out_images
from anju_models.verify import verify_model

MODELS = default_models_dir()


def test_precision_picks_the_quantized_entry() -> None:
    manifest, _ = load_manifest()
    assert manifest.variant("nanodet-m-416", "fp32").file == "nanodet/nanodet.onnx"
    int8 = manifest.variant("nanodet-m-416", "int8")
    assert int8.file == "nanodet/nanodet-int8.onnx"
    assert int8.quantized_from == "nanodet-m-416"
    with pytest.raises(KeyError, match="no fp32 variant"):
        manifest.variant("nanodet-m-416-int8", "fp32")


def test_edge_config_precision_defaults_to_fp32_and_refuses_others() -> None:
    base = {"compound_id": "c", "gateway": {"url": "http://127.0.0.1:9"}}
    assert parse_config(base).detector.precision == "fp32"
    assert parse_config({**base, "detector": {"precision": "int8"}}).detector.precision == "int8"
    with pytest.raises(ValueError, match="precision"):
        parse_config({**base, "detector": {"precision": "fp16"}})


def test_int8_model_finds_the_reference_detections() -> None:
    manifest, folder = load_manifest()
    report = verify_model(manifest.get("nanodet-m-416-int8"), folder)
    assert report.ok, report.problems
    detector = load_detector("nanodet-m-416", None, 1, "int8")
    assert detector.entry.precision == "int8"
    quantized = {n.op_type for n in _graph(MODELS / "nanodet" / "nanodet-int8.onnx")}
    assert {"QuantizeLinear", "DequantizeLinear"} <= quantized


def _graph(path: Path):  # type: ignore[no-untyped-def]
    import onnx

    return onnx.load(str(path)).graph.node


def test_calibration_never_sees_the_held_out_pictures() -> None:
    calibration = {p.resolve() for p in calibration_images(MODELS)}
    held_out = {p.resolve() for p in held_out_images(MODELS)}
    assert len(held_out) >= 25 and len(calibration) >= 8
    assert not calibration & held_out
    assert "vtest_0400.jpg" not in {p.name for p in calibration}


def test_agreement_matches_confident_detections_one_to_one() -> None:
    ref = [
        Detection("person", 0.9, 0, 0, 10, 10),
        Detection("person", 0.8, 1, 0, 11, 10),  # overlaps the first: needs its own match
        Detection("car", 0.7, 50, 50, 60, 60),
        Detection("person", 0.4, 80, 80, 90, 90),  # not confident: not counted
    ]
    cand = [
        Detection("person", 0.85, 0, 0, 10, 10),
        Detection("truck", 0.7, 50, 50, 60, 60),  # wrong label
    ]
    result = Agreement()
    compare(ref, cand, result, "img")
    assert (result.confident, result.found) == (3, 1)
    assert result.recall == pytest.approx(1 / 3)
    assert result.mean_shift == pytest.approx(-0.05)
    assert len(result.missed) == 2
