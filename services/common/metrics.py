"""Prometheus metrics named commune_<service>_<what>_<unit>, created once per process."""
from prometheus_client import Counter, Gauge, Histogram

_made: dict[str, object] = {}

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)


def _metric(kind, service: str, what: str, doc: str, labels: tuple[str, ...], **kw):
    name = f"commune_{service}_{what}"
    if name not in _made:
        _made[name] = kind(name, doc, labels, **kw)
    return _made[name]


def counter(service: str, what: str, doc: str, labels: tuple[str, ...] = ()) -> Counter:
    return _metric(Counter, service, what, doc, labels)


def gauge(service: str, what: str, doc: str, labels: tuple[str, ...] = ()) -> Gauge:
    return _metric(Gauge, service, what, doc, labels)


def histogram(service: str, what: str, doc: str, labels: tuple[str, ...] = ()) -> Histogram:
    return _metric(Histogram, service, what, doc, labels, buckets=LATENCY_BUCKETS)


def request_seconds(service: str) -> Histogram:
    """Latency of every entry point: RPC, HTTP, event handler, gRPC."""
    return histogram(service, "request_seconds", "Time to handle one request or event",
                     ("kind", "entrypoint", "outcome"))
