"""The edge service's Prometheus metrics, defined once."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

REJECTED = Counter(
    "anju_edge_rejected_messages_total",
    "MQTT messages refused at the boundary, by reason.",
    ["reason"],
)
MESSAGES = Counter("anju_edge_messages_total", "MQTT messages accepted, by channel.", ["channel"])
ALERTS_RAISED = Counter(
    "anju_edge_alerts_raised_total", "Alerts written to the outbox, by kind.", ["kind"]
)
ALERTS_SUPPRESSED = Counter(
    "anju_edge_alerts_suppressed_total", "Alert candidates dropped by cooldown, by kind.", ["kind"]
)
OUTBOX_DEPTH = Gauge("anju_edge_outbox_depth", "Alerts waiting to be delivered.")
OUTBOX_SHED = Counter(
    "anju_edge_outbox_shed_total", "Alerts shed by the disk quota, by severity.", ["severity"]
)
UPLINK_SENT = Counter("anju_edge_uplink_alerts_total", "Alerts acknowledged by the gateway.")
UPLINK_FAILURES = Counter(
    "anju_edge_uplink_failures_total", "Failed upload attempts, by reason.", ["reason"]
)
UPLINK_DEAD = Counter(
    "anju_edge_uplink_dead_letters_total", "Alerts the gateway refused as invalid (kept aside)."
)
DEAD_LETTERS = Counter(
    "anju_edge_dead_letters_total",
    "Messages set aside after failing processing for good, and alerts the gateway refused "
    "as invalid, by reason.",
    ["reason"],
)
RETRYING = Gauge(
    "anju_edge_gate_events_retrying",
    "Gate events waiting to be tried again after a failure (not yet acknowledged).",
)
STORAGE_FAILING = Gauge(
    "anju_edge_storage_failing",
    "1 while committing to the outbox fails (disk full, database locked): events wait.",
)
QUEUE_DROPPED = Counter(
    "anju_edge_queue_dropped_total", "Work dropped because a queue was full, by queue.", ["queue"]
)
MQTT_CONNECTED = Gauge("anju_edge_mqtt_connected", "1 while connected to the local broker.")
ALERT_LATENCY = Histogram(
    "anju_edge_alert_latency_seconds",
    "From MQTT arrival to the alert committed in the outbox.",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
FRAMES_DROPPED = Counter(
    "anju_edge_frames_dropped_total",
    "Snapshots replaced by a newer one before the detector got to them, by camera.",
    ["camera"],
)
FRAMES_DETECTED = Counter("anju_edge_frames_detected_total", "Snapshots run through the model.")
DETECT_SECONDS = Histogram(
    "anju_edge_detect_seconds",
    "Decode + inference + rules for one batch of snapshots.",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6),
)
SNAPSHOT_SECONDS = Histogram(
    "anju_edge_snapshot_seconds",
    "Drawing one alert's annotated thumbnail: decode, zones, boxes, labels, legend, JPEG.",
    buckets=(0.0025, 0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32),
)
SNAPSHOT_FONT_FALLBACK = Counter(
    "anju_edge_snapshot_font_fallback_total",
    "Alert thumbnails labelled in English because no CJK font was found on the box.",
)
PASSAGES = Counter(
    "anju_edge_passages_total",
    "Vehicle passage records (智能卡口), by outcome: queued, sent (acknowledged by the gateway), "
    "dropped (the queue full, or the switch turned off with records waiting).",
    ["outcome"],
)
SYNC_UPDATES = Counter("anju_edge_sync_updates_total", "New watchlist/staff copies applied.")
SYNC_FAILURES = Counter(
    "anju_edge_sync_failures_total", "Failed sync requests to the gateway, by reason.", ["reason"]
)
GATEWAY_FAILOVERS = Counter(
    "anju_edge_gateway_failovers_total",
    "Requests to one of the gateway's URLs (gateway.urls) that refused, timed out or answered "
    "502/503/504 and were left for the next URL, by worker and reason.",
    ["worker", "reason"],
)
# The box's budgets (docs/detection.md, "Budgets"): what it sends up, and what its cameras send it.
UPLINK_BYTES = Counter(
    "anju_edge_uplink_bytes_total",
    "Bytes of HTTP requests to the gateway (request line, headers, body; before TLS), by kind: "
    "alerts (without their thumbnails), thumbnails, heartbeats, sync, actions, passages.",
    ["kind"],
)
CAMERA_BYTES = Counter(
    "anju_edge_camera_bytes_total",
    "Bytes of camera data received: MQTT snapshots, HTTP snapshots, RTSP packets; by source.",
    ["source"],
)
SOURCE_FRAMES = Counter(
    "anju_edge_source_frames_total", "Frames handed on by RTSP/HTTP camera sources.", ["camera"]
)
SOURCE_FAILURES = Counter(
    "anju_edge_source_failures_total",
    "RTSP/HTTP camera sources that failed to open or stopped, by state.",
    ["camera", "state"],
)
