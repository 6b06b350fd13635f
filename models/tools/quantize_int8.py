"""Quantize the fp32 NanoDet to INT8 (`make models`, or `make models-int8` alone).

    python models/tools/quantize_int8.py [--model nanodet-m-416] [--out PATH]

Static QDQ quantization with onnxruntime's tools: per-channel int8 weights, uint8 activations,
MinMax calibration on the calibration split of models/anju_models/int8.py (never the held-out
test pictures). Runs wherever the project's dev dependencies are installed (the `onnx` package);
the edge box only needs the resulting file. Prints the sha256 and size for models/manifest.yaml.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import warnings
from pathlib import Path

from anju_edge.detect.manifest import load_manifest
from anju_models.int8 import quantize
from anju_models.verify import sha256_of


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="nanodet-m-416", help="fp32 model in the manifest")
    parser.add_argument("--out", type=Path, help="default: the int8 entry's file in the manifest")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    # The calibrator still observes the float-only -inf padding and numpy warns about its
    # infinite range; that tensor is excluded from quantization (anju_models.int8).
    warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"onnxruntime\.")
    manifest, models_dir = load_manifest()
    entry = manifest.get(args.model)
    out = args.out
    if out is None:
        out = models_dir / manifest.variant(args.model, "int8").file
    with tempfile.TemporaryDirectory() as work:
        images = quantize(entry, models_dir, out, Path(work))
    print(f"calibrated on {len(images)} images: {', '.join(p.name for p in images)}")
    print(f"wrote {out}: {out.stat().st_size} bytes, sha256 {sha256_of(out)}")
    print("Update sha256 and size_bytes of the int8 entry in models/manifest.yaml if they differ,")
    print("then run 'anju models verify'.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
