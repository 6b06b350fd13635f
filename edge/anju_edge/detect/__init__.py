"""The detector library: JPEG checks and decoding, letterboxing, the model manifest, the ONNX
Runtime detector and its output decoders (NanoDet, YOLO v5/v8, NMS).

Pure: it knows images and models, not cameras, rules or alerts. What it may import: numpy,
cv2, onnxruntime, pydantic, yaml and ``anju_contracts``; nothing else of ``anju_edge`` (the
``models`` tools and benchmarks import it without pulling in the service).
"""
