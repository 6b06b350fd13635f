"""A detector thread still inside onnxruntime when the edge process ends must not abort it
(SIGABRT, exit 134: seen under qemu, where one inference outlasts the pipeline's 10 s join).
Both cases drive the real model in a subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

MODELS = Path(__file__).resolve().parents[2] / "models"

SCRIPT = """
import logging, sys, threading, time
import numpy as np
from pathlib import Path
from anju_edge.detect.onnx_detector import load_detector
from anju_edge.shutdown import leave, lingering

logging.basicConfig(level=logging.INFO)
detector = load_detector("nanodet-m-416", Path(sys.argv[1]), 1)
tensor = np.zeros((1, 3, 416, 416), np.float32)
busy = sys.argv[2] == "busy"

def infer():
    while True:
        detector.infer(tensor)
        if not busy:
            return

thread = threading.Thread(target=infer, name="detector-0", daemon=True)
thread.start()
if busy:
    time.sleep(0.5)  # inside the model now, and for good
else:
    thread.join()
print("lingering:", lingering(), flush=True)
leave()
print("returned", flush=True)
"""


def _run(mode: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, str(MODELS), mode],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_detector_still_inside_the_model_does_not_abort_the_process() -> None:
    done = _run("busy")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "lingering: ['detector-0']" in done.stdout
    assert "returned" not in done.stdout  # it left at once
    assert "still inside the model" in done.stderr
    assert "terminate called" not in done.stderr


def test_without_a_lingering_detector_the_process_ends_as_usual() -> None:
    done = _run("idle")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "lingering: []" in done.stdout and "returned" in done.stdout
