"""Events per second and latency of the platform's event path (Publisher -> RabbitMQ ->
the kpi worker -> a fact in MongoDB), beside raw kombu publish -> consume on the same
broker in the same run, so that the ratio does not depend on the machine.

    .venv/bin/python -m bench.events [--events 2000] [--rate 200] [--seconds 5]

Everything runs in a namespace of its own (databases, exchanges, queues), removed at
the end, whatever happens."""
import argparse
import contextlib
import os
import platform
import statistics
import sys
import threading
import time
import uuid
from dataclasses import dataclass

import kombu

from commune.v1 import events_pb2, tasks_pb2
from services.common.envelope import Envelope
from services.common.mongo import database_name, make_client
from services.common.publisher import Publisher
from services.common.readiness import NotReady, wait_until_ready
from services.common.settings import Settings
from services.common.topology import QUEUE_ARGUMENTS, consumer_queue
from tests.helpers import Process, broker_exchanges, broker_queues, wait_for

THROUGHPUT_TARGET = 0.30  # platform events/s as a share of raw
P99_TARGET_MS = 50.0
P99_TARGET_RATE = 200.0  # events/s at which the p99 target is set
WARMUP_EVENTS = 50
# The platform's "done" is a fact in the database, seen by polling: this often for
# each event's first appearance, and this often for the throughput run's count (a
# count is slower than the per-event query, and its delay is spread over N events).
FACT_POLL_S = 0.002
COUNT_POLL_S = 0.01
# nameko's consumer takes up to max_workers (10 by default) unacked messages; the raw
# consumer takes as many, so both paths have the same work in flight.
RAW_PREFETCH = 10
DONE_TIMEOUT_S = 60.0  # how long a run waits for its last event before failing


def progress(text: str) -> None:
    print(f"bench: {text}", file=sys.stderr, flush=True)


def task_created_events(tenant: str, count: int) -> list[Envelope]:
    """`count` valid task.created envelopes of one commune, each about a task of its own."""
    return [Envelope.wrap("task.created", "tasks", tenant, events_pb2.TaskCreated(
        task=tasks_pb2.Task(id=f"{tenant}-{i:06d}", tenant=tenant, code=f"BENCH-{i:06d}",
                            title="Benchmark task")))
        for i in range(count)]


def task_id(envelope: Envelope) -> str:
    return envelope.data["task"]["id"]


class Timeline:
    """When each event was sent and when it was first seen done, by task id; shared by
    the sending thread and the thread that watches for arrivals."""

    def __init__(self):
        self._lock = threading.Lock()
        self._sent: dict[str, float] = {}
        self._done: dict[str, float] = {}

    def sent(self, key: str) -> None:
        with self._lock:
            self._sent[key] = time.perf_counter()

    def done(self, keys, at: float) -> None:
        with self._lock:
            for key in keys:
                self._done.setdefault(key, at)

    def pending(self) -> list[str]:
        with self._lock:
            return [key for key in self._sent if key not in self._done]

    def wait_done(self, keys: list[str]) -> float:
        """Wait until every key is done; the instant the last one was."""
        def all_done():
            with self._lock:
                return all(key in self._done for key in keys)
        wait_for(all_done, DONE_TIMEOUT_S, 0.005, f"{len(keys)} events to be done")
        with self._lock:
            return max(self._done[key] for key in keys)

    def latencies_ms(self, keys: list[str]) -> list[float]:
        with self._lock:
            return [(self._done[key] - self._sent[key]) * 1000 for key in keys]


class RawPath:
    """kombu alone: a durable quorum queue like the platform's, publisher confirms and
    persistent messages like the Publisher's, and a consumer thread on a connection of
    its own that acks each message on arrival. Every arrival is timed."""

    name = "raw kombu"
    routing_key = "task.created"

    def __init__(self, settings: Settings):
        self.amqp_uri = settings.amqp_uri
        self.exchange, self.queue = raw_exchange_and_queue(settings.namespace)
        self.timeline = Timeline()
        self._connection = kombu.Connection(self.amqp_uri,
                                            transport_options={"confirm_publish": True})
        self._producer = kombu.Producer(self._connection)
        self.queue(self._producer.channel).declare()  # the exchange and binding too
        self._stopping = threading.Event()
        consuming = threading.Event()
        self._consumer = threading.Thread(target=self._consume, args=(consuming,), daemon=True)
        self._consumer.start()
        if not consuming.wait(10):
            raise RuntimeError("the raw consumer did not start")

    def send(self, envelope: Envelope) -> None:
        # The same body and properties as the Publisher's, on the same terms.
        headers = {"tenant": envelope.tenant, "correlationid": envelope.correlationid}
        self._producer.publish(envelope.to_json(), exchange=self.exchange,
                               routing_key=self.routing_key, delivery_mode=2,
                               content_type="application/json", message_id=task_id(envelope),
                               type=envelope.type, headers=headers)

    def last_done(self, events: list[Envelope]) -> float:
        return self.timeline.wait_done([task_id(e) for e in events])

    def tracking(self, tenant: str):
        # The consumer thread times every arrival already.
        return contextlib.nullcontext()

    def _consume(self, consuming: threading.Event) -> None:
        with kombu.Connection(self.amqp_uri) as connection:
            with kombu.Consumer(connection, queues=[self.queue], on_message=self._arrived,
                                prefetch_count=RAW_PREFETCH):
                consuming.set()
                while not self._stopping.is_set():
                    try:
                        connection.drain_events(timeout=0.1)
                    except TimeoutError:
                        pass

    def _arrived(self, message) -> None:
        message.ack()
        self.timeline.done([message.properties["message_id"]], time.perf_counter())

    def close(self) -> None:
        self._stopping.set()
        self._consumer.join(5)
        self._connection.release()


class PlatformPath:
    """The production path: the Publisher -> the tasks exchange -> kpi's queue -> the kpi
    worker's handler -> one fact per task in <namespace>_kpi.task_facts. An event is
    done when its fact is in the database."""

    name = "platform"

    def __init__(self, settings: Settings, mongo):
        self.publisher = Publisher(settings.amqp_uri, settings.namespace)
        self.facts = mongo[database_name(settings, "kpi")].task_facts
        self.timeline = Timeline()

    def send(self, envelope: Envelope) -> None:
        self.publisher.publish(envelope)

    def last_done(self, events: list[Envelope]) -> float:
        """Each run has a tenant of its own: all its events are done when the tenant has
        as many facts."""
        tenant, expected = events[0].tenant, len(events)
        wait_for(lambda: self.facts.count_documents({"tenant": tenant}) >= expected,
                 DONE_TIMEOUT_S, COUNT_POLL_S, f"{expected} facts of {tenant}")
        return time.perf_counter()

    @contextlib.contextmanager
    def tracking(self, tenant: str):
        """Time each sent event's fact as it first appears, while inside."""
        stopping = threading.Event()
        poller = threading.Thread(target=self._poll_facts, args=(tenant, stopping), daemon=True)
        poller.start()
        try:
            yield
        finally:
            stopping.set()
            poller.join(5)

    def _poll_facts(self, tenant: str, stopping: threading.Event) -> None:
        while not stopping.is_set():
            pending = self.timeline.pending()
            if pending:
                found = list(self.facts.find({"tenant": tenant, "task_id": {"$in": pending}},
                                             {"task_id": 1, "_id": 0}))
                # The reply's arrival: the fact was stored before then, never after.
                self.timeline.done([fact["task_id"] for fact in found], time.perf_counter())
            stopping.wait(FACT_POLL_S)

    def close(self) -> None:
        self.publisher.close()


def raw_exchange_and_queue(namespace: str) -> tuple[kombu.Exchange, kombu.Queue]:
    name = f"{namespace}.bench.raw"
    exchange = kombu.Exchange(name, type="direct", durable=True)
    return exchange, kombu.Queue(name, exchange, routing_key=RawPath.routing_key,
                                 durable=True, queue_arguments=QUEUE_ARGUMENTS)


def measure_throughput(path, events: list[Envelope]) -> float:
    """Events/s from the first send until the last event is done, sending back to back."""
    first_sent = time.perf_counter()
    for envelope in events:
        path.send(envelope)
    return len(events) / (path.last_done(events) - first_sent)


def measure_latency(path, events: list[Envelope], rate: float) -> tuple[list[float], float]:
    """Send -> done of each event, sent at `rate` events/s; and the rate achieved."""
    keys = [task_id(e) for e in events]
    with path.tracking(events[0].tenant):
        achieved = send_paced(path, events, rate)
        path.timeline.wait_done(keys)
    return path.timeline.latencies_ms(keys), achieved


def send_paced(path, events: list[Envelope], rate: float) -> float:
    """Send on a fixed schedule (a late send does not delay the ones after it); returns
    the rate achieved."""
    start = time.perf_counter()
    for i, envelope in enumerate(events):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        last_sent = time.perf_counter()
        path.timeline.sent(task_id(envelope))
        path.send(envelope)
    return (len(events) - 1) / (last_sent - start)


def p50_p99(latencies: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return cuts[49], cuts[98]


@dataclass
class PathResult:
    name: str
    events_per_s: float
    p50_ms: float
    p99_ms: float
    sent_per_s: float  # the pace the latency run achieved


def run_phases(paths, events: int, rate: float, seconds: float) -> list[PathResult]:
    """Warm-up, then throughput, then latency; each phase on every path in turn, with the
    same envelopes (so the same body sizes) and a tenant of its own."""
    warmup = task_created_events("bench-warmup", WARMUP_EVENTS)
    burst = task_created_events("bench-throughput", events)
    paced = task_created_events("bench-latency", round(rate * seconds))
    for path in paths:
        progress(f"{path.name}: warm-up, {len(warmup)} events")
        measure_throughput(path, warmup)
    throughput = {}
    for path in paths:
        progress(f"{path.name}: throughput, {len(burst)} events back to back")
        throughput[path.name] = measure_throughput(path, burst)
    results = []
    for path in paths:
        progress(f"{path.name}: latency, {len(paced)} events at {rate:g}/s")
        latencies, achieved = measure_latency(path, paced, rate)
        results.append(PathResult(path.name, throughput[path.name], *p50_p99(latencies),
                                  achieved))
    return results


def kpi_queue_consumers(settings: Settings) -> int:
    queue = consumer_queue(settings.namespace, "kpi.on_task_created", "tasks", "task.created").name
    with kombu.Connection(settings.amqp_uri) as connection:
        try:
            return connection.channel().queue_declare(queue, passive=True).consumer_count
        except connection.channel_errors:  # not declared yet
            return 0


def start_kpi_worker(settings: Settings, cleanup: contextlib.ExitStack) -> Process:
    """`commune-worker kpi`, consuming its queue. Its stop is in `cleanup` before the wait
    (tests.helpers.start_worker would lose a worker that never gets ready)."""
    worker = Process(settings, "commune-worker", "kpi")
    cleanup.callback(worker.stop)
    worker.wait_ready(f"http://127.0.0.1:{worker.http_port}/health/ready")
    # Ready means broker and database answer; the handler may not consume yet.
    wait_for(lambda: kpi_queue_consumers(settings) > 0, 15, 0.1, "kpi to consume its queue")
    return worker


def remove_namespace(settings: Settings) -> None:
    """Drop the namespace's databases and delete its queues and exchanges (the
    platform's, as the tests list them, and the raw path's)."""
    mongo = make_client(settings)
    try:
        for name in mongo.list_database_names():
            if name.startswith(f"{settings.namespace}_"):
                mongo.drop_database(name)
    finally:
        mongo.close()
    raw_exchange, raw_queue = raw_exchange_and_queue(settings.namespace)
    with kombu.Connection(settings.amqp_uri) as connection:
        channel = connection.channel()
        for queue in [*broker_queues(settings), raw_queue.name]:
            channel.queue_delete(queue)
        for exchange in [*broker_exchanges(settings), raw_exchange.name]:
            channel.exchange_delete(exchange)


def report(results: list[PathResult], events: int, rate: float, seconds: float,
           worker_log) -> str:
    raw, platform_ = results
    ratio = platform_.events_per_s / raw.events_per_s
    met = {True: "met", False: "NOT met"}
    rate_note = "" if rate == P99_TARGET_RATE else f"; the target is set at {P99_TARGET_RATE:g}/s"
    rows = [f"{r.name:<10} {r.events_per_s:>10.0f} {r.p50_ms:>8.1f} {r.p99_ms:>8.1f} "
            f"{r.sent_per_s:>8.1f}" for r in results]
    return "\n".join([
        f"bench.events on {platform.platform(terse=True)}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}",
        f"throughput: N={events} events sent back to back, first send -> last done",
        f"latency:    {rate:g} events/s for {seconds:g} s ({round(rate * seconds)} events), "
        "send -> done of each",
        "",
        f"{'path':<10} {'events/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'sent/s':>8}",
        *rows,
        "",
        f"platform/raw throughput: {ratio:.0%} "
        f"(target >= {THROUGHPUT_TARGET:.0%}: {met[ratio >= THROUGHPUT_TARGET]})",
        f"platform p99 at {rate:g} events/s: {platform_.p99_ms:.1f} ms "
        f"(target < {P99_TARGET_MS:g} ms: {met[platform_.p99_ms < P99_TARGET_MS]}{rate_note})",
        "",
        "raw kombu: done = acked by the consumer. platform: done = the fact is in "
        "task_facts,",
        f"seen by polling every {FACT_POLL_S * 1000:g} ms (latency) or "
        f"{COUNT_POLL_S * 1000:g} ms (throughput): its figures include that polling delay.",
        "sent/s: the pace the latency run achieved. kpi worker log: "
        f"{worker_log}",
    ])


def parse_args(argv) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.events", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=2000,
                        help="events in the throughput run (default 2000)")
    parser.add_argument("--rate", type=float, default=P99_TARGET_RATE,
                        help="events/s in the latency run (default 200)")
    parser.add_argument("--seconds", type=float, default=5.0,
                        help="length of the latency run (default 5)")
    args = parser.parse_args(argv)
    if args.events < 1 or args.rate <= 0 or args.rate * args.seconds < 2:
        parser.error("need --events >= 1 and at least 2 events in the latency run")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    settings = Settings(namespace=f"bench{uuid.uuid4().hex[:10]}")
    try:
        wait_until_ready(settings, timeout=10)
    except NotReady as exc:
        sys.exit(f"bench: {exc}")
    with contextlib.ExitStack() as cleanup:
        # Undone in reverse: the worker stops before its queues and databases go.
        cleanup.callback(progress, f"namespace {settings.namespace} removed")
        cleanup.callback(remove_namespace, settings)
        progress(f"starting commune-worker kpi in namespace {settings.namespace}")
        worker = start_kpi_worker(settings, cleanup)
        mongo = make_client(settings)
        cleanup.callback(mongo.close)
        raw = RawPath(settings)
        cleanup.callback(raw.close)
        platform_ = PlatformPath(settings, mongo)
        cleanup.callback(platform_.close)
        results = run_phases([raw, platform_], args.events, args.rate, args.seconds)
    print(report(results, args.events, args.rate, args.seconds, worker.log_path))


if __name__ == "__main__":
    main()
