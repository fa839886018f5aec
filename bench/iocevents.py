"""The IOC pipeline (commune-pipeline iocevents) under load, beside raw kombu on the same
broker in the same run:

1. throughput: N detections (Bình Lư's simulated traffic, in gateway messages of
   `--per-message` detections) wait in the pipeline's queue; the pipeline is started and
   timed until it has taken all in (validated, evaluated, folded, journaled). Raw kombu
   publishes and consumes (acks) the same messages on a quorum queue: ratio = pipeline
   detections/s / raw consume detections/s.
2. latency: the simulator sends `--rate` detections/s (500) for `--seconds`; 10 probes
   a second among them are plate reads of watchlisted plates, each raising an alert that
   the benchmark resolves as soon as it hears of it; latency = probe published -> its
   ioc.alert_raised event received here.
3. flood: FLOODERS (4) processes publish gateway messages of FLOOD_BATCH (500) detections
   as fast as they can for `--flood-seconds`; the broker holds the backlog, the pipeline
   drains it.
The pipeline's resident memory is sampled throughout.

    .venv/bin/python -m bench.iocevents                   # about 2-3 minutes
    .venv/bin/python -m bench.iocevents --seconds 300     # the 5-minute memory run

Everything runs in a namespace of its own, removed at the end."""
import argparse
import datetime as dt
import json
import multiprocessing
import random
import threading
import time

import kombu

from bench.harness import bench_namespace, percentile, progress
from services.common.mongo import database_name, make_client
from services.common.publisher import Publisher
from services.common.topology import QUEUE_ARGUMENTS, events_exchange
from services.iocevents import demo
from services.iocevents.broker import (
    RECEIVED_HEADER,
    detections_queue,
    ingest_exchange,
    publish_command,
    publish_detections,
    queues,
)
from services.iocevents.simulator import CameraSimulator, replay
from services.iocevents.store import IocStore
from tests.helpers import Process, metric_value, remove_namespace

TENANT = "binh-lu"
ACCEPTED = "commune_iocevents_detections_total"
PROBES_PER_S = 10
PROBE_PLATES = 100  # each plate's turn comes every 10 s
FLOODERS = 4
FLOOD_BATCH = 500
PROBE_CAMERA = "cam-nga-ba-tan-binh-1"
THROUGHPUT_TARGET = 2000.0
P99_TARGET_MS = 250.0


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Memory:
    """The pipeline's RSS every second, from a thread."""

    def __init__(self, pid: int):
        self.samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        threading.Thread(target=self._run, args=(pid,), daemon=True).start()

    def _run(self, pid):
        while not self._stop.wait(1.0):
            self.samples.append((time.monotonic(), rss_mb(pid)))

    def between(self, start: float, end: float) -> list[float]:
        return [mb for at, mb in self.samples if start <= at <= end]

    def stop(self):
        self._stop.set()


def accepted(pipeline: Process) -> int:
    text = pipeline.metrics(pipeline.metrics_port)
    return int(sum(metric_value(text, ACCEPTED, tenant=TENANT, kind=k, outcome="accepted")
                   for k in ("vehicle", "plate_read", "traffic_violation", "abnormal_behaviour",
                             "face_match", "sensor_reading")))


def wait_accepted(pipeline: Process, count: int, limit_s: float, poll: float = 0.05):
    """(time the first was seen, time all were seen or None)."""
    first = last = None
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        done = accepted(pipeline)
        now = time.monotonic()
        if done and first is None:
            first = (now, done)
        if done >= count:
            last = now
            break
        time.sleep(poll)
    return first, last


def gateway_messages(simulator: CameraSimulator, detections: int, per_message: int):
    now = dt.datetime.now(dt.UTC)
    rows = [simulator.detection(now) for _ in range(detections)]
    return [rows[i:i + per_message] for i in range(0, len(rows), per_message)]


def raw_rates(settings, messages: list[list[dict]], prefetch: int) -> tuple[float, float]:
    """Raw kombu: publish with confirms, then consume and ack; detections/s for each."""
    exchange = kombu.Exchange(f"{settings.namespace}.bench.raw", type="direct", durable=True)
    queue = kombu.Queue(exchange.name, exchange, routing_key="raw", durable=True,
                        queue_arguments=QUEUE_ARGUMENTS)
    bodies = [json.dumps({"detections": m}).encode() for m in messages]
    count = sum(len(m) for m in messages)
    with kombu.Connection(settings.amqp_uri,
                          transport_options={"confirm_publish": True}) as connection:
        producer = kombu.Producer(connection)
        queue(producer.channel).declare()
        started = time.perf_counter()
        for body in bodies:
            producer.publish(body, exchange=exchange, routing_key="raw", delivery_mode=2,
                             content_type="application/json")
        publish_rate = count / (time.perf_counter() - started)
    got = [0]

    def arrived(body, message):
        json.loads(message.body)  # the pipeline decodes every body; so does the baseline
        message.ack()
        got[0] += 1
    with kombu.Connection(settings.amqp_uri) as connection:
        with kombu.Consumer(connection, [queue], callbacks=[arrived], prefetch_count=prefetch,
                            accept=None):
            started = time.perf_counter()
            while got[0] < len(bodies):
                connection.drain_events(timeout=10)
            consume_rate = count / (time.perf_counter() - started)
        connection.channel().queue_delete(queue.name)
        connection.channel().exchange_delete(exchange.name)
    return publish_rate, consume_rate


def probes_and_watchlist(store: IocStore, count: int) -> list[str]:
    plates = [f"99P-{i // 100:03d}.{i % 100:02d}" for i in range(count)]
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    for i, plate in enumerate(plates):
        store.save_watchlist_entry(TENANT, {
            "id": f"bench-{i}", "kind": "plate", "value": plate, "reason": "benchmark probe",
            "legal_basis": "benchmark (synthetic data)", "approved_by": "bench",
            "expires_at": expires.isoformat()})
    return plates


def latency_run(settings, simulator, plates, rate, seconds):
    """p50/p99 probe -> ioc.alert_raised, with background traffic at `rate`. Each probe's
    alert is resolved as soon as it is raised, as an operator would, so its plate raises a
    new alert when its turn comes again (every len(plates) / PROBES_PER_S s)."""
    sent_at: dict[str, float] = {}
    latencies: list[float] = []
    with kombu.Connection(settings.amqp_uri) as connection:
        channel = connection.channel()
        exchange = events_exchange(settings.namespace, "iocevents")
        exchange(channel).declare()
        capture = kombu.Queue(f"{settings.namespace}.bench.raised", exchange=exchange,
                              routing_key="ioc.alert_raised", exclusive=True, auto_delete=True)
        probe_publisher = Publisher(settings.amqp_uri, settings.namespace)

        def raised(body, message):
            message.ack()
            event = json.loads(message.body)
            for detection in event["data"]["alert"].get("detectionIds", []):
                if detection in sent_at:
                    latencies.append(time.time() - sent_at.pop(detection))
                    publish_command(probe_publisher, "resolve", {
                        "tenant": TENANT, "alert_id": event["subject"], "by": "bench",
                        "note": "benchmark probe"})
        consumer = kombu.Consumer(channel, [capture], callbacks=[raised], accept=None)
        consumer.consume()
        background = Publisher(settings.amqp_uri, settings.namespace)
        traffic = threading.Thread(target=replay, args=(
            background, simulator, rate - PROBES_PER_S, seconds), daemon=True)
        traffic.start()
        started = time.monotonic()
        n = 0
        while time.monotonic() - started < seconds:
            due = started + n / PROBES_PER_S
            while (wait := due - time.monotonic()) > 0:
                _drain(connection, wait)
            probe = {"id": f"probe-{n}", "tenant": TENANT, "deviceId": PROBE_CAMERA,
                     "time": dt.datetime.now(dt.UTC).isoformat(), "kind": "plate_read",
                     "confidence": 0.95, "plate": {"text": plates[n % len(plates)]}}
            sent_at[probe["id"]] = time.time()
            publish_detections(probe_publisher, TENANT, [probe])
            n += 1
        traffic.join()
        deadline = time.monotonic() + 10
        while sent_at and time.monotonic() < deadline:
            _drain(connection, 0.1)
        background.close()
        probe_publisher.close()
    return latencies, n


def _drain(connection, timeout=0.001):
    """Take the events waiting (for up to `timeout` s when none is)."""
    try:
        while True:
            connection.drain_events(timeout=timeout)
    except TimeoutError:
        pass


def flood_bodies(simulator: CameraSimulator) -> list[bytes]:
    """Gateway messages of FLOOD_BATCH detections, encoded once; each publish stamps
    fresh ids into a copy (over "@@"), so encoding does not limit the publishers."""
    template = gateway_messages(simulator, 2000, 2000)[0]
    bodies = []
    for _ in range(40):
        rows = [{**row, "id": f"@@{i:03d}"}
                for i, row in enumerate(random.sample(template, FLOOD_BATCH))]
        bodies.append(json.dumps({"detections": rows}).encode())
    return bodies


def flood_publisher(amqp_uri, namespace, bodies, start_at, seconds, name, sent):
    """One flooding process: publishes with confirms from `start_at` (wall clock) for
    `seconds`; adds the detections it sent to `sent`."""
    publisher = Publisher(amqp_uri, namespace)
    exchange, declare = ingest_exchange(namespace), queues(namespace)
    publisher.declare(*declare)
    time.sleep(max(0.0, start_at - time.time()))
    n = 0
    while time.time() < start_at + seconds:
        body = bodies[n % len(bodies)].replace(b"@@", f"{name}-{n}-".encode())
        publisher.publish_raw(body, exchange, f"detection.{TENANT}",
                              {RECEIVED_HEADER: time.time()}, declare=declare)
        n += 1
    publisher.close()
    with sent.get_lock():
        sent.value += n * FLOOD_BATCH


def flood(settings, simulator: CameraSimulator, seconds: float) -> tuple[int, int]:
    """FLOODERS processes publishing flat out for `seconds`; returns (detections sent, the
    largest backlog seen in the queue, in messages)."""
    context = multiprocessing.get_context("spawn")
    sent = context.Value("q", 0)
    start_at = time.time() + 5  # the processes start, connect, then go together
    processes = [context.Process(target=flood_publisher, args=(
        settings.amqp_uri, settings.namespace, flood_bodies(simulator), start_at, seconds,
        f"f{i}", sent)) for i in range(FLOODERS)]
    for process in processes:
        process.start()
    peak = 0
    while any(p.is_alive() for p in processes):
        if time.time() >= start_at:
            peak = max(peak, queue_depth(settings))
        time.sleep(0.5)
    return sent.value, peak


def queue_depth(settings) -> int:
    with kombu.Connection(settings.amqp_uri) as connection:
        name = detections_queue(settings.namespace).name
        return connection.channel().queue_declare(name, passive=True).message_count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--detections", type=int, default=30000)
    parser.add_argument("--per-message", type=int, default=10)
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--flood-seconds", type=float, default=8.0)
    args = parser.parse_args()

    with bench_namespace() as (settings, cleanup):
        cleanup.callback(remove_namespace, settings,
                         queues=[n for q in queues(settings.namespace)
                                 for n in (q.name, f"{q.name}.dead-letter")],
                         exchanges=[f"{settings.namespace}.iocevents.ingest",
                                    events_exchange(settings.namespace, "iocevents").name])
        store = IocStore(make_client(settings)[database_name(settings, "iocevents")])
        store.ensure_indexes()
        demo.load(store, dt.date.today())
        plates = probes_and_watchlist(store, PROBE_PLATES)
        simulator = CameraSimulator(TENANT, store.registry(TENANT), [], seed=7)
        publisher = Publisher(settings.amqp_uri, settings.namespace)
        cleanup.callback(publisher.close)
        publisher.declare(*queues(settings.namespace))

        progress(f"raw kombu: {args.detections} detections in messages of {args.per_message}")
        messages = gateway_messages(simulator, args.detections, args.per_message)
        raw_publish, raw_consume = raw_rates(settings, messages, prefetch=200)

        progress("pipeline throughput: filling its queue, then starting it")
        started = time.perf_counter()
        for rows in messages:
            publish_detections(publisher, TENANT, rows)
        platform_publish = args.detections / (time.perf_counter() - started)
        pipeline = Process(settings, "commune-pipeline", "iocevents")
        cleanup.callback(pipeline.stop)
        pipeline.wait_ready(f"http://127.0.0.1:{pipeline.metrics_port}/metrics")
        memory = Memory(pipeline.popen.pid)
        cleanup.callback(memory.stop)
        first, last = wait_accepted(pipeline, args.detections, limit_s=120)
        if first is None or last is None:
            raise SystemExit(f"bench: the pipeline took in {accepted(pipeline)} of "
                             f"{args.detections} in 120 s")
        throughput = (args.detections - first[1]) / max(1e-6, last - first[0])

        progress(f"latency: {args.rate:.0f}/s for {args.seconds:.0f} s with "
                 f"{PROBES_PER_S} probes/s")
        latency_started = time.monotonic()
        latencies, probes = latency_run(settings, simulator, plates, args.rate,
                                        args.seconds)
        latency_memory = memory.between(latency_started, time.monotonic())

        progress(f"flood: {FLOODERS} publishing processes flat out for "
                 f"{args.flood_seconds:.0f} s")
        before = accepted(pipeline)
        flood_started = time.monotonic()
        flooded, depth_max = flood(settings, simulator, args.flood_seconds)
        flood_ended, taken_by_then = time.monotonic(), accepted(pipeline)
        drained = wait_accepted(pipeline, before + flooded, limit_s=600)[1]
        drain_rate = ((before + flooded - taken_by_then) / (drained - flood_ended)
                      if drained and drained > flood_ended else 0.0)
        flood_memory = memory.between(flood_started, time.monotonic())
        alive = pipeline.popen.poll() is None
        # Before the clean-up: the figures stand even if removing the namespace fails.
        print("\nIOC pipeline benchmark (2 shared cores: other work on the machine makes "
              "the figures noisy)")
        print(f"throughput  pipeline {throughput:.0f} detections/s (target >= "
              f"{THROUGHPUT_TARGET:.0f}); raw kombu consume {raw_consume:.0f}/s; "
              f"ratio {throughput / raw_consume:.2f}")
        print(f"            publishing with confirms: raw {raw_publish:.0f}/s, "
              f"through the ingest helper {platform_publish:.0f}/s")
        report_latency(args, latencies, probes, latency_memory)
        print(f"flood       {flood_rate(flooded, args.flood_seconds, throughput)}; queue peak "
              f"{depth_max} messages of {FLOOD_BATCH}; drained: "
              f"{'yes' if drained else 'NO'}, at {drain_rate:.0f}/s after the flood; "
              f"pipeline alive: {'yes' if alive else 'NO'}")
        print(f"            pipeline RSS from the flood to the end of its drain: "
              f"{memory_line(flood_memory)}; every 5 s: {series(flood_memory, 5)} MB")


def flood_rate(flooded: int, seconds: float, throughput: float) -> str:
    rate = flooded / seconds
    return (f"{rate:.0f} detections/s for {seconds:.0f} s ({rate / throughput:.1f}x the "
            f"pipeline's throughput, {rate / THROUGHPUT_TARGET:.1f}x the target's "
            f"{THROUGHPUT_TARGET:.0f}/s)")


def memory_line(samples: list[float]) -> str:
    samples = samples or [0.0]
    return (f"first {samples[0]:.0f} MB, middle {samples[len(samples) // 2]:.0f} MB, "
            f"last {samples[-1]:.0f} MB, max {max(samples):.0f} MB")


def series(samples: list[float], every: int) -> str:
    """Every `every`-th sample and the last (samples are a second apart)."""
    picked = samples[::every] + (samples[-1:] if (len(samples) - 1) % every else [])
    return " -> ".join(f"{mb:.0f}" for mb in picked)


def report_latency(args, latencies: list[float], probes: int, samples: list[float]) -> None:
    p50, p99 = ((percentile(latencies, 50) * 1000, percentile(latencies, 99) * 1000)
                if latencies else (float("inf"), float("inf")))
    print(f"latency     {len(latencies)}/{probes} probes at {args.rate:.0f}/s: p50 {p50:.0f} ms, "
          f"p99 {p99:.0f} ms (target p99 <= {P99_TARGET_MS:.0f} ms)")
    print(f"memory      pipeline RSS over the latency run: {memory_line(samples)}")
    # The first minute fills the bounded caches (recent ids, rule windows); flat means
    # no growth after it.
    print(f"            each minute: {series(samples, 60)} MB; "
          f"after the first minute {samples[-1] - samples[min(60, len(samples) - 1)]:+.1f} MB"
          if samples else "            no samples")


if __name__ == "__main__":
    main()
