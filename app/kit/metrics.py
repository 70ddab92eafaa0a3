"""Prometheus metrics (per process)."""

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter(
    "numlink_http_requests_total", "HTTP requests served", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "numlink_http_request_duration_seconds",
    "HTTP request latency",
    ["route"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
PROPAGATION_STEPS = Counter(
    "numlink_propagation_steps_total",
    "Reconciler steps by provider and result",
    ["provider", "result"],
)
PROPAGATION_CLAIMED = Counter("numlink_propagation_claimed_total", "Rows claimed by workers")
GC_PAUSE = Histogram(
    "numlink_gc_pause_seconds",
    "Garbage collections after start-up, by generation (each holds the event loop)",
    ["generation"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25),
)
GC_FROZEN_OBJECTS = Gauge(
    "numlink_gc_frozen_objects", "Objects alive at start-up, excluded from collections"
)
