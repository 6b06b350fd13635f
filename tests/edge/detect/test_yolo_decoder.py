"""The YOLO (v5/v8) decoding path, through a tiny ONNX graph built here with the onnx package."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from anju_edge.detect.manifest import ModelEntry
from anju_edge.detect.onnx_detector import OnnxDetector

CLASSES = ["person", "car"]


def constant_model(path: Path, output: np.ndarray) -> None:
    """A graph that ignores its image and returns fixed predictions: decode logic under test."""
    const = numpy_helper.from_array(output.astype(np.float32), name="pred_const")
    # Multiply the image's mean by 0 and add it, so the input is really consumed.
    nodes = [
        helper.make_node("ReduceMean", ["images"], ["m"], keepdims=0),
        helper.make_node("Mul", ["m", "zero"], ["z"]),
        helper.make_node("Add", ["pred_const", "z"], ["output0"]),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny-yolo",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, 64, 64])],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, list(output.shape))],
        [const, numpy_helper.from_array(np.zeros((), np.float32), name="zero")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


def entry(version: int) -> ModelEntry:
    return ModelEntry.model_validate(
        {
            "name": f"tiny-yolov{version}",
            "file": "tiny.onnx",
            "sha256": "0" * 64,
            "size_bytes": 1,
            "layout": "yolo",
            "yolo": {"version": version},
            "input": {
                "name": "images",
                "width": 64,
                "height": 64,
                "channels_order": "RGB",
                "mean": [0, 0, 0],
                "std": [1, 1, 1],
                "scale": 1 / 255,
                "letterbox_pad": 114,
            },
            "outputs": {"output0": ["predictions", 0]},
            "default_min_score": 0.25,
            "nms_iou": 0.5,
            "classes": CLASSES,
            "source": {"registry": "test", "package": "none", "version": "0", "files": []},
            "upstream": "built in the test",
            "licence": {"model": "none", "package": "none"},
            "recipe": {"command": "-", "script": "-", "converter": "onnx.helper"},
        }
    )


# Rows: cx, cy, w, h in the 64x64 input; two overlapping persons (NMS keeps the better), a car.
BOXES = np.array([[32, 32, 20, 20], [33, 32, 20, 20], [10, 40, 12, 8]], np.float32)


@pytest.mark.parametrize("version", [5, 8])
def test_yolo_layouts_decode_to_image_pixels(tmp_path: Path, version: int) -> None:
    if version == 5:
        obj = np.array([[0.9], [0.8], [0.7]], np.float32)
        cls = np.array([[0.95, 0.0], [0.9, 0.0], [0.0, 0.9]], np.float32)
        out = np.concatenate([BOXES, obj, cls], axis=1)[None]  # (1, N, 5 + C)
    else:
        cls = np.array([[0.9, 0.0], [0.8, 0.0], [0.0, 0.7]], np.float32)
        out = np.concatenate([BOXES, cls], axis=1).T[None]  # (1, 4 + C, N)
    constant_model(tmp_path / "tiny.onnx", out)
    detector = OnnxDetector(entry(version), tmp_path, threads=1)
    # A 128x64 image letterboxes to 64x32 at scale 0.5 with 16 px of padding above and below.
    image = np.zeros((64, 128, 3), np.uint8)
    dets = detector.detect([image], 0.25)[0]
    assert [d.label for d in dets] == ["person", "car"]
    p = dets[0]
    assert (round(p.x1), round(p.y1), round(p.x2), round(p.y2)) == (44, 12, 84, 52)
    assert p.score == pytest.approx(0.855 if version == 5 else 0.9, abs=1e-3)
