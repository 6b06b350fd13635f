"""ONNX Runtime detector: NanoDet or YOLO v5/v8 layouts, chosen by the model's manifest entry."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnxruntime as ort

from anju_edge.detect.api import Detection, Detector, Image, Prepared
from anju_edge.detect.decoders import decode_nanodet, decode_yolo, nms
from anju_edge.detect.manifest import ModelEntry, load_manifest
from anju_edge.detect.preprocess import letterbox

logger = logging.getLogger(__name__)


class OnnxDetector(Detector):
    def __init__(self, entry: ModelEntry, models_dir: Path, threads: int = 1) -> None:
        self.entry = entry
        self.labels = list(entry.classes)
        self.input_size = (entry.input.width, entry.input.height)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        path = models_dir / entry.file
        if not path.exists():
            raise FileNotFoundError(f"model file {path} is missing (see models/README.md)")
        self.session = ort.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self.output_names = [o.name for o in self.session.get_outputs()]
        unknown = set(self.output_names) - set(entry.outputs)
        if unknown:
            raise ValueError(f"model outputs {sorted(unknown)} are not in the manifest")
        batch_dim = self.session.get_inputs()[0].shape[0]
        # Exported graphs often fix the batch at 1; then frames are run one after another.
        self.max_batch = batch_dim if isinstance(batch_dim, int) else 8

    def prepare(self, image: Image) -> Prepared:
        spec = self.entry.input
        tensor, mapping = letterbox(
            image,
            (spec.width, spec.height),
            spec.mean,
            spec.std,
            spec.scale,
            spec.letterbox_pad,
            rgb=spec.channels_order == "RGB",
        )
        return Prepared(tensor, mapping, image.shape[1], image.shape[0])

    def infer(self, tensors: np.ndarray) -> list[np.ndarray]:
        """Raw outputs for a (B, 3, H, W) batch; the bare-runtime path benchmarks compare with."""
        return list(self.session.run(self.output_names, {self.entry.input.name: tensors}))

    def run(self, prepared: Sequence[Prepared], min_score: float) -> list[list[Detection]]:
        results: list[list[Detection]] = []
        for start in range(0, len(prepared), self.max_batch):
            chunk = prepared[start : start + self.max_batch]
            # One image needs no 2 MB copy: a view with a batch axis is what the model takes.
            tensors = (
                chunk[0].tensor[None] if len(chunk) == 1 else np.stack([p.tensor for p in chunk])
            )
            outputs = self.infer(tensors)
            for i, item in enumerate(chunk):
                results.append(self._decode([o[i : i + 1] for o in outputs], item, min_score))
        return results

    def _decode(
        self, outputs: list[np.ndarray], item: Prepared, min_score: float
    ) -> list[Detection]:
        entry = self.entry
        size = (entry.input.width, entry.input.height)
        if entry.layout == "nanodet":
            assert entry.nanodet is not None
            scores: dict[int, np.ndarray] = {}
            dists: dict[int, np.ndarray] = {}
            for name, out in zip(self.output_names, outputs, strict=True):
                kind, stride = entry.outputs[name]
                (scores if kind == "scores" else dists)[stride] = out
            boxes, conf, cls = decode_nanodet(
                scores, dists, size, entry.nanodet.reg_max, min_score, entry.nanodet.centre_offset
            )
        else:
            assert entry.yolo is not None
            boxes, conf, cls = decode_yolo(outputs[0], min_score, entry.yolo.version)
        keep = nms(boxes, conf, cls, entry.nms_iou)
        mapped = item.mapping.to_image(boxes[keep], item.width, item.height)  # type: ignore[attr-defined]
        return [
            Detection(self.labels[int(c)], float(s), *map(float, b))
            for b, s, c in zip(mapped, conf[keep], cls[keep], strict=True)
        ]


def load_detector(
    model: str, models_dir: Path | None, threads: int, precision: str = "fp32"
) -> OnnxDetector:
    manifest, folder = load_manifest(models_dir)
    return OnnxDetector(manifest.variant(model, precision), folder, threads)
