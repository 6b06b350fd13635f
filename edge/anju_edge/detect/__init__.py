"""Object detection: the detector interface, the model manifest reader and the ONNX
implementation."""
