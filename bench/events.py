"""Events per second and latency of the platform's event path (Publisher -> RabbitMQ ->
the kpi worker -> a fact in MongoDB), beside raw kombu publish -> consume on the same
broker in the same run, so that the ratio does not depend on the machine.

    .venv/bin/python -m bench.events [--events 2000] [--rate 200] [--seconds 5]

Everything runs in a namespace of its own (databases, exchanges, queues), removed at
the end, whatever happens."""
import argparse
import contextlib
import json
import math
import os
import platform
import threading
import time
from dataclasses import dataclass

import kombu

from bench.harness import bench_namespace, percentile, progress
from commune.v1 import events_pb2, tasks_pb2
from services.common.envelope import Envelope
from services.common.publisher import Publisher
from services.common.settings import Settings
from services.common.topology import QUEUE_ARGUMENTS, consumer_queue
from tests.helpers import Process, remove_namespace, wait_for

THROUGHPUT_TARGET = 0.30  # platform events/s as a share of raw
P99_TARGET_MS = 50.0
P99_TARGET_RATE = 200.0  # events/s at which the p99 target is set
WARMUP_EVENTS = 50
# A path that cannot keep up would make the run last for minutes: past these limits
# the events not done are counted as such (and discarded), not waited for.
THROUGHPUT_LIMIT_S = 15.0  # after the first send
DRAIN_LIMIT_S = 8.0  # after the last send of the latency run
QUIET_S = 1.0  # no event done for this long: nothing is in flight any more
# Both paths' done counts are polled: often while latency is measured, less often over a
# throughput run (where a few ms do not matter).
LATENCY_POLL_S = 0.002
THROUGHPUT_POLL_S = 0.02
HANDLED_LINE = b'"event handled"'




def task_created_events(tenant: str, count: int) -> list[Envelope]:
    """`count` valid task.created envelopes of one commune, each about a task of its own."""
    return [Envelope.wrap("task.created", "tasks", tenant, events_pb2.TaskCreated(
        task=tasks_pb2.Task(id=f"{tenant}-{i:06d}", tenant=tenant, code=f"BENCH-{i:06d}",
                            title="Benchmark task")))
        for i in range(count)]


class RawPath:
    """kombu alone: a durable quorum queue like the platform's, publisher confirms and
    persistent messages like the Publisher's, and a consumer thread on a connection of
    its own that acks each message on arrival. Done = acked."""

    name = "raw kombu"
    routing_key = "task.created"

    def __init__(self, settings: Settings):
        self.amqp_uri = settings.amqp_uri
        # nameko's consumer takes up to max_workers unacked messages (the settings'
        # worker_concurrency); the raw consumer as many: the same work in flight.
        self.prefetch = settings.worker_concurrency
        self.exchange, self.queue = raw_exchange_and_queue(settings.namespace)
        self._acked = 0
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
                               content_type="application/json", message_id=envelope.id,
                               type=envelope.type, headers=headers)

    def done_count(self) -> int:
        return self._acked

    def discard_backlog(self) -> None:
        purge(self.amqp_uri, self.queue.name)

    def _consume(self, consuming: threading.Event) -> None:
        with kombu.Connection(self.amqp_uri) as connection:
            with kombu.Consumer(connection, queues=[self.queue], on_message=self._arrived,
                                prefetch_count=self.prefetch):
                consuming.set()
                while not self._stopping.is_set():
                    try:
                        connection.drain_events(timeout=0.1)
                    except TimeoutError:
                        pass

    def _arrived(self, message) -> None:
        message.ack()
        self._acked += 1

    def close(self) -> None:
        self._stopping.set()
        self._consumer.join(5)
        self._connection.release()


class PlatformPath:
    """The production path: the Publisher -> the tasks exchange -> kpi's queue -> the kpi
    worker's handler, which stores the task's fact and its state in the commune's inbox.
    Done = the worker's "event handled" log line, which it writes once the work and the
    idempotency mark are stored, just before the ack (when it also counts the event in
    commune_kpi_events_consumed_total).

    Why the log and not the metric or the database: reading /metrics costs the worker
    about 1.7 ms of CPU (any HTTP request to it 0.8 ms), so polling it every 2 ms took
    half of the worker's core and mostly measured the probe; on FerretDB (SQLite) every
    query but an _id lookup that finds its document early reads the whole collection
    (a count of 5,000 documents: 320 ms). The log file is read by this process alone."""

    name = "platform"

    def __init__(self, settings: Settings, worker: Process):
        self.amqp_uri = settings.amqp_uri
        self.publisher = Publisher(settings.amqp_uri, settings.namespace)
        self.queue_name = kpi_queue_name(settings)
        self._log = open(worker.log_path, "rb")  # noqa: SIM115 (closed in close())
        self._unread = b""
        self._handled = 0

    def send(self, envelope: Envelope) -> None:
        self.publisher.publish(envelope)

    def done_count(self) -> int:
        """task.created events the worker has logged as handled, up to now."""
        text = self._unread + self._log.read()
        lines, _, self._unread = text.rpartition(b"\n")  # a line being written waits
        for line in lines.splitlines():
            if HANDLED_LINE in line and json.loads(line).get("event_type") == "task.created":
                self._handled += 1
        return self._handled

    def discard_backlog(self) -> None:
        purge(self.amqp_uri, self.queue_name)

    def close(self) -> None:
        self.publisher.close()
        self._log.close()


def raw_exchange_and_queue(namespace: str) -> tuple[kombu.Exchange, kombu.Queue]:
    name = f"{namespace}.bench.raw"
    exchange = kombu.Exchange(name, type="direct", durable=True)
    return exchange, kombu.Queue(name, exchange, routing_key=RawPath.routing_key,
                                 durable=True, queue_arguments=QUEUE_ARGUMENTS)


def purge(amqp_uri: str, queue_name: str) -> None:
    with kombu.Connection(amqp_uri) as connection:
        connection.channel().queue_purge(queue_name)


def kpi_queue_name(settings: Settings) -> str:
    return consumer_queue(settings.namespace, "kpi.on_task_created", "tasks",
                          "task.created").name


class Arrivals:
    """Watches a path's count of done events from a thread of its own: `times[k]` is
    when the count was first seen k + 1 above where it started."""

    def __init__(self, path, interval_s: float):
        self.path = path
        self.interval_s = interval_s
        self.times: list[float] = []
        self._start = path.done_count()
        self._failure: Exception | None = None
        self._stopping = threading.Event()
        self._watcher = threading.Thread(target=self._watch, daemon=True)
        self._watcher.start()

    def _watch(self) -> None:
        try:
            while not self._stopping.is_set():
                done = self.path.done_count() - self._start
                # After the reply: those events were done by then, never later.
                seen_at = time.perf_counter()
                self.times.extend([seen_at] * (done - len(self.times)))
                self._stopping.wait(self.interval_s)
        except Exception as exc:  # handed to the waiting thread, which reports it
            self._failure = exc

    def wait(self, count: int, deadline: float) -> None:
        """Until `count` events are done or the deadline (a perf_counter time) passes."""
        while len(self.times) < count and time.perf_counter() < deadline:
            if self._failure:
                raise RuntimeError(f"watching {self.path.name} failed") from self._failure
            time.sleep(0.005)

    def stop(self) -> None:
        self._stopping.set()
        self._watcher.join(5)


@contextlib.contextmanager
def watching(path, interval_s: float):
    arrivals = Arrivals(path, interval_s)
    try:
        yield arrivals
    finally:
        arrivals.stop()


@dataclass
class Run:
    events: int
    done: int
    events_per_s: float  # done / (last done - first sent)
    latencies_ms: list[float]  # one per event in send order; inf when not done

    @property
    def missing(self) -> int:
        return self.events - self.done


def settled(path, run: Run) -> Run:
    """The run, after dropping what it left in the queue and letting what is in flight
    finish, so that the next run starts empty."""
    if run.missing:
        progress(f"{path.name}: {run.missing} of {run.events} not done in time; discarded")
        discard_and_wait_quiet(path)
    return run


def discard_and_wait_quiet(path, timeout_s: float = 30.0) -> None:
    path.discard_backlog()
    count, changed_at = path.done_count(), time.perf_counter()
    deadline = changed_at + timeout_s
    while time.perf_counter() - changed_at < QUIET_S:
        if time.perf_counter() > deadline:
            raise RuntimeError(f"{path.name} still finishing events after {timeout_s:g} s")
        time.sleep(0.1)
        if (latest := path.done_count()) != count:
            count, changed_at = latest, time.perf_counter()


def measure_throughput(path, events: list[Envelope]) -> Run:
    """Events/s from the first send to the last done, sending back to back."""
    with watching(path, THROUGHPUT_POLL_S) as arrivals:
        first_sent = time.perf_counter()
        for envelope in events:
            path.send(envelope)
        arrivals.wait(len(events), first_sent + THROUGHPUT_LIMIT_S)
        done = arrivals.times[:len(events)]
    if not done:
        raise RuntimeError(f"{path.name}: no event done {THROUGHPUT_LIMIT_S:g} s after the "
                           "first send")
    return Run(len(events), len(done), len(done) / (done[-1] - first_sent), [])


def measure_latency(path, events: list[Envelope], rate: float) -> tuple[Run, float]:
    """Send -> done of each event, sent at `rate` events/s; and the rate achieved. The
    k-th event done is taken for the k-th sent: exact for a queue handled in order,
    close when a few handlers run at once."""
    with watching(path, LATENCY_POLL_S) as arrivals:
        sent = send_paced(path, events, rate)
        arrivals.wait(len(events), sent[-1] + DRAIN_LIMIT_S)
        done = arrivals.times[:len(events)]
    # Events never done have no pair: they are late without bound.
    latencies = [(d - s) * 1000 for s, d in zip(sent, done, strict=False)]
    latencies += [math.inf] * (len(events) - len(done))
    achieved = (len(sent) - 1) / (sent[-1] - sent[0])
    return Run(len(events), len(done), 0.0, latencies), achieved


def send_paced(path, events: list[Envelope], rate: float) -> list[float]:
    """Send on a fixed schedule (a late send does not delay the ones after it); returns
    when each send began."""
    start = time.perf_counter()
    sent = []
    for i, envelope in enumerate(events):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        sent.append(time.perf_counter())
        path.send(envelope)
    return sent




@dataclass
class PathResult:
    name: str
    throughput: Run
    latency: Run
    sent_per_s: float  # the pace the latency run achieved

    @property
    def p50_ms(self) -> float:
        return percentile(self.latency.latencies_ms, 50)

    @property
    def p99_ms(self) -> float:
        return percentile(self.latency.latencies_ms, 99)


def measure_path(path, events: int, rate: float, seconds: float) -> PathResult:
    """Warm-up, throughput, latency; each run with a tenant of its own and envelopes like
    the other path's."""
    progress(f"{path.name}: warm-up, {WARMUP_EVENTS} events")
    settled(path, measure_throughput(path, task_created_events("bench-warmup", WARMUP_EVENTS)))
    progress(f"{path.name}: throughput, {events} events back to back")
    throughput = settled(path, measure_throughput(
        path, task_created_events("bench-throughput", events)))
    paced = task_created_events("bench-latency", round(rate * seconds))
    progress(f"{path.name}: latency, {len(paced)} events at {rate:g}/s")
    latency, achieved = measure_latency(path, paced, rate)
    return PathResult(path.name, throughput, settled(path, latency), achieved)


def kpi_queue_consumers(settings: Settings) -> int:
    with kombu.Connection(settings.amqp_uri) as connection:
        try:
            return connection.channel().queue_declare(kpi_queue_name(settings),
                                                      passive=True).consumer_count
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




def milliseconds(value: float, unit: str = "") -> str:
    return f"{value:.1f}{unit}" if math.isfinite(value) else "not done"


def shortfalls(result: PathResult) -> list[str]:
    lines = []
    if result.throughput.missing:
        lines.append(f"{result.name}: throughput run, {result.throughput.missing} of "
                     f"{result.throughput.events} not done {THROUGHPUT_LIMIT_S:g} s after "
                     "the first send (events/s counts those done)")
    if result.latency.missing:
        lines.append(f"{result.name}: latency run, {result.latency.missing} of "
                     f"{result.latency.events} not done {DRAIN_LIMIT_S:g} s after the last "
                     "send (counted as late without bound)")
    return lines


def report(results: list[PathResult], events: int, rate: float, seconds: float,
           worker_log) -> str:
    raw, platform_ = results
    ratio = platform_.throughput.events_per_s / raw.throughput.events_per_s
    met = {True: "met", False: "NOT met"}
    rate_note = "" if rate == P99_TARGET_RATE else f"; the target is set at {P99_TARGET_RATE:g}/s"
    rows = [f"{r.name:<10} {r.throughput.events_per_s:>10.0f} {milliseconds(r.p50_ms):>9} "
            f"{milliseconds(r.p99_ms):>9} {r.sent_per_s:>8.1f}" for r in results]
    return "\n".join([
        f"bench.events on {platform.platform(terse=True)}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}",
        f"throughput: N={events} events sent back to back, first send -> last done",
        f"latency:    {rate:g} events/s for {seconds:g} s ({round(rate * seconds)} events), "
        "send -> done of each",
        "",
        f"{'path':<10} {'events/s':>10} {'p50 ms':>9} {'p99 ms':>9} {'sent/s':>8}",
        *rows,
        *shortfalls(raw), *shortfalls(platform_),
        "",
        f"platform/raw throughput: {ratio:.0%} "
        f"(target >= {THROUGHPUT_TARGET:.0%}: {met[ratio >= THROUGHPUT_TARGET]})",
        f"platform p99 at {rate:g} events/s: {milliseconds(platform_.p99_ms, ' ms')} "
        f"(target < {P99_TARGET_MS:g} ms: {met[platform_.p99_ms < P99_TARGET_MS]}{rate_note})",
        "",
        "done: raw kombu, acked by the consumer; platform, the fact and the task state stored",
        "by the kpi worker (its \"event handled\" log line, written just before the ack). "
        f"Both are seen by polling every {LATENCY_POLL_S * 1000:g} ms",
        f"(latency) or {THROUGHPUT_POLL_S * 1000:g} ms (throughput), the platform's by "
        "reading the worker's log file: the figures include that delay.",
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
    with bench_namespace() as (settings, cleanup):
        raw_exchange, raw_queue = raw_exchange_and_queue(settings.namespace)
        # Undone in reverse: the worker stops before its queues and databases go.
        cleanup.callback(remove_namespace, settings, [raw_queue.name], [raw_exchange.name])
        progress(f"starting commune-worker kpi in namespace {settings.namespace}")
        worker = start_kpi_worker(settings, cleanup)
        results = []
        for make_path in (lambda: RawPath(settings), lambda: PlatformPath(settings, worker)):
            path = make_path()
            cleanup.callback(path.close)
            results.append(measure_path(path, args.events, args.rate, args.seconds))
    print(report(results, args.events, args.rate, args.seconds, worker.log_path))


if __name__ == "__main__":
    main()
