"""Object detection: a small detector interface, its registry, and the ONNX implementation."""
