"""The gateway's Prometheus metrics, defined once, labelled by reason where input is refused."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

REJECTED = Counter(
    "anju_gateway_rejected_requests_total",
    "Requests refused at the boundary, by reason.",
    ["reason"],
)
ALERTS_INGESTED = Counter(
    "anju_gateway_alerts_ingested_total",
    "Alerts received from edges, by outcome (stored, duplicate, merged: a repeat outage "
    "counted on the device's open alert, or id_taken: an id another compound holds, answered "
    "stored and not kept).",
    ["outcome"],
)
INGEST_BATCH_SECONDS = Histogram(
    "anju_gateway_ingest_batch_seconds",
    "Time to validate and store one batch of alerts.",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
)
LOGINS = Counter("anju_gateway_logins_total", "Login attempts by outcome.", ["outcome"])
WEBHOOK_DELIVERIES = Counter(
    "anju_gateway_webhook_attempts_total",
    "Precinct webhook delivery attempts, by outcome (delivered, retry, dead).",
    ["outcome"],
)
VIID_OBJECTS = Counter(
    "anju_gateway_viid_object_attempts_total",
    "GA/T 1400 object upload attempts, by outcome (delivered, retry, dead).",
    ["outcome"],
)
VIID_SESSION = Counter(
    "anju_gateway_viid_session_total",
    "GA/T 1400 session requests, by request (register, keepalive, unregister) and outcome.",
    ["request", "outcome"],
)
PASSAGES_RECEIVED = Counter(
    "anju_gateway_passages_received_total",
    "New vehicle passage records from edges, by outcome (queued for the 视图库, not_queued).",
    ["outcome"],
)
SLA_BREACHES = Counter(
    "anju_gateway_sla_breaches_total",
    "Alerts whose acknowledge or close clock ran out, by clock and severity.",
    ["clock", "severity"],
)
TIME_TO_ACK = Histogram(
    "anju_gateway_time_to_acknowledge_seconds",
    "From receipt at the gateway to acknowledgement.",
    buckets=(15, 30, 60, 120, 180, 300, 600, 1800, 3600),
)
TIME_TO_CLOSE = Histogram(
    "anju_gateway_time_to_close_seconds",
    "From receipt at the gateway to resolution or false alarm.",
    buckets=(300, 900, 1800, 3600, 7200, 14400, 43200, 86400, 172800),
)
JOB_LEASE = Gauge(
    "anju_gateway_job_lease_held",
    "1 while this replica holds a background job's lease (SLA sweeper, supervision, links).",
    ["job"],
)
DATABASE_UNAVAILABLE = Counter(
    "anju_gateway_database_unavailable_total",
    "Requests answered 503 because the database did not answer.",
)
