"""Public provenance page lookups on the trace worker's HTTP (nameko: werkzeug on
eventlet), for a registry of 10,000 batches, beside a static file served by the same
worker in the same run, so that the ratio does not depend on the machine.

    .venv/bin/python -m bench.trace [--batches 10000] [--requests 5000] [--clients 8]

Once the worker holds every snapshot in memory (its provenance mirror, read at start),
three runs, each with `--clients` keep-alive connections sending back to back:
- static: GET /static/trace.css (the baseline: the HTTP stack and nothing else);
- first views: every batch once, in random order: each lookup renders its page from the
  mirror (the rendered-page cache is empty);
- repeat views: `--requests` lookups of random batches, now served from the rendered-page
  cache (as when the packs of the same batches are scanned again and again).
Targets: >= 1,000 lookups/s and p99 <= 30 ms. Everything runs in a namespace of its own,
removed at the end, whatever happens."""
import argparse
import contextlib
import http.client
import random
import threading
import time

from bench.harness import bench_namespace, percentile, progress
from services.common.mongo import database_name, make_client
from services.common.settings import Settings
from services.common.topology import events_exchange
from services.trace import demo, domain
from services.trace.config import seal_of
from services.trace.ledger import Ledger
from services.trace.store import TraceStore
from tests.helpers import Process, metric_value, remove_namespace, wait_for

TARGET_PER_S = 1000.0
TARGET_P99_MS = 30.0
TEMPLATE = "08939999000031:MD-2026-01"
INSERT_BATCH = 1000
SEED = 20260601


def load(settings: Settings, count: int) -> list[str]:
    """The demo registry, then `count` copies of the vermicelli batch (batch document and
    provenance snapshot), each with a lot of its own; returns their Digital Link paths."""
    store = TraceStore(make_client(settings)[database_name(settings, "trace")])
    store.ensure_indexes()
    demo.load(Ledger(store, None, seal_of(settings)))
    batch, snapshot = store.batch(TEMPLATE), store.provenance(TEMPLATE)
    paths, batches, snapshots = [], [], []
    for n in range(count):
        lot = f"B{n:06d}"
        key = domain.batch_id(batch["gtin"], lot)
        batches.append({**batch, "_id": key, "lot": lot})
        snapshots.append({**snapshot, "_id": key,
                          "batch": {**snapshot["batch"], "id": key, "lot": lot}})
        paths.append(f"/01/{batch['gtin']}/10/{lot}")
        if len(batches) == INSERT_BATCH or n == count - 1:
            store.db.batches.insert_many(batches)
            store.db.provenance.insert_many(snapshots)
            batches, snapshots = [], []
    return paths


def hammer(port: int, paths: list[str], clients: int) -> tuple[float, list[float], int]:
    """Send every path once over `clients` keep-alive connections; (elapsed, latencies,
    non-200 answers)."""
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()

    def client(share: list[str]):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, bad = [], 0
        for path in share:
            started = time.perf_counter()
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            bad += response.status != 200
        connection.close()
        with lock:
            latencies.extend(mine)
            failures[0] += bad

    threads = [threading.Thread(target=client, args=(paths[i::clients],))
               for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies, failures[0]


def line(name: str, elapsed: float, latencies: list[float], failures: int,
         baseline: float | None) -> float:
    rate = len(latencies) / elapsed
    ratio = f"  {rate / baseline:5.2f} x static" if baseline else ""
    print(f"{name:<12} {len(latencies):>6} req  {rate:>7.0f} /s  "
          f"p50 {percentile(latencies, 50) * 1000:6.2f} ms  "
          f"p99 {percentile(latencies, 99) * 1000:6.2f} ms  non-200 {failures}{ratio}")
    return rate


def run(settings: Settings, args, cleanup: contextlib.ExitStack) -> None:
    progress(f"loading {args.batches} batches")
    paths = load(settings, args.batches)
    worker = Process(settings, "commune-worker", "trace",
                     COMMUNE_TRACE_RATE_LIMIT="1000000000/minute",
                     COMMUNE_TRACE_PAGE_CACHE_S=3600,
                     # The copies have no links of their own: the re-verification
                     # sweep would flag each, so it stays out of the measurement.
                     COMMUNE_TRACE_REVERIFY_S=86400)
    cleanup.callback(worker.stop)
    worker.wait_ready(f"http://127.0.0.1:{worker.http_port}/health/ready")
    wait_for(lambda: metric_value(worker.metrics(), "commune_trace_mirrored_batches")
             >= args.batches, 120, 0.5, "the worker's provenance mirror")
    port = worker.http_port
    hammer(port, ["/static/trace.css"] * 200 + paths[:1] * 10, args.clients)  # warm-up
    rng = random.Random(SEED)
    cold = paths[1:]
    rng.shuffle(cold)
    warm = [rng.choice(paths) for _ in range(args.requests)]
    progress("static file")
    static = hammer(port, ["/static/trace.css"] * args.requests, args.clients)
    progress("first views (each batch once)")
    cold_run = hammer(port, cold, args.clients)
    progress("repeat views (cached pages)")
    warm_run = hammer(port, warm, args.clients)
    print(f"trace public page lookups: {args.batches} batches, {args.clients} clients, "
          "keep-alive, client and server on this machine")
    baseline = line("static", *static, None)
    results = {"first views": line("first views", *cold_run, baseline),
               "repeat views": line("repeat views", *warm_run, baseline)}
    for name, (_, latencies, _) in (("first views", cold_run), ("repeat views", warm_run)):
        p99 = percentile(latencies, 99) * 1000
        verdict = ("meets" if results[name] >= TARGET_PER_S and p99 <= TARGET_P99_MS
                   else "misses")
        print(f"{name}: {verdict} the target (>= {TARGET_PER_S:.0f}/s, "
              f"p99 <= {TARGET_P99_MS:.0f} ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=5_000)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    with bench_namespace() as (settings, cleanup):
        cleanup.callback(remove_namespace, settings, [f"{settings.namespace}.rpc-trace"],
                         [events_exchange(settings.namespace, "trace").name])
        run(settings, args, cleanup)


if __name__ == "__main__":
    main()
