"""Helpers for tests that drive real processes, the real broker and the real database."""
import contextlib
import io
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import kombu
import openpyxl

from services import topology as platform_topology
from services.common import topology
from services.common.mongo import make_client
from services.common.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
LOGS = ROOT / "var" / "test-logs"
BIN = Path(sys.executable).parent


# Bounds for a call and for a wait on a condition: generous, because a loaded machine
# slows everything and a test stops waiting as soon as its condition holds; a short bound
# only makes the suite fail on a busy machine.
CALL_TIMEOUT_S = 60.0
WAIT_S = 120.0
# `commune seed` waits on the database for every write: under load it took 5 minutes.
SEED_TIMEOUT_S = 900.0


def wait_for(predicate, timeout: float = WAIT_S, interval: float = 0.1, what: str = "condition"):
    """Poll until predicate() is truthy; return its value or fail naming `what`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def broker_queues(settings: Settings) -> list[str]:
    """The durable queues the platform declares: `commune topology`'s (consumers',
    pipelines', RPC, and their dead-letter queues)."""
    return [q.name for q in platform_topology.derive(settings.namespace).queues]


def broker_exchanges(settings: Settings) -> list[str]:
    return [e.name for e in platform_topology.derive(settings.namespace).exchanges]


def remove_namespace(settings: Settings, queues=(), exchanges=()) -> None:
    """Drop the namespace's databases and delete its queues and exchanges: the
    platform's and any of the caller's own (a test's, a benchmark's), so that runs leave
    nothing behind."""
    mongo = make_client(settings)
    try:
        for name in mongo.list_database_names():
            if name.startswith(f"{settings.namespace}_"):
                mongo.drop_database(name)
    finally:
        mongo.close()
    with kombu.Connection(settings.amqp_uri) as connection:
        channel = connection.channel()
        for queue in [*broker_queues(settings), *queues]:
            channel.queue_delete(queue)
        for exchange in [*broker_exchanges(settings), *exchanges]:
            channel.exchange_delete(exchange)


def env_for(settings: Settings, **extra) -> dict:
    return {**os.environ, "AMQP_URI": settings.amqp_uri, "MONGO_URI": settings.mongo_uri,
            "COMMUNE_NAMESPACE": settings.namespace, "PYTHONUNBUFFERED": "1",
            **{k: str(v) for k, v in extra.items()}}


class Process:
    """A platform process (`command service *args`: commune-worker tasks, commune
    simulate-cameras --rate 5) on ports of its own."""

    def __init__(self, settings: Settings, command: str, service: str, *args: str, **env):
        self.http_port, self.grpc_port, self.metrics_port = free_port(), free_port(), free_port()
        LOGS.mkdir(parents=True, exist_ok=True)
        self.log_path = LOGS / f"{settings.namespace}-{command}-{service}.log"
        self.log = open(self.log_path, "ab")
        self.popen = subprocess.Popen(
            [str(BIN / command), service, *args], stdout=self.log, stderr=subprocess.STDOUT,
            env=env_for(settings, COMMUNE_HTTP_PORT=self.http_port,
                        COMMUNE_GRPC_PORT=self.grpc_port,
                        COMMUNE_METRICS_PORT=self.metrics_port, **env))

    def wait_ready(self, url: str, timeout: float = WAIT_S) -> None:
        def ready():
            if self.popen.poll() is not None:
                raise AssertionError(f"{self.log_path.name} exited with {self.popen.returncode}:"
                                     f"\n{self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    return response.status == 200
            except OSError:
                return False
        wait_for(ready, timeout, 0.2, f"{url} to answer 200")

    def metrics(self, port: int | None = None) -> str:
        url = f"http://127.0.0.1:{port or self.http_port}/metrics"
        with urllib.request.urlopen(url, timeout=CALL_TIMEOUT_S) as response:
            return response.read().decode()

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
        self.log.close()


def _started(process: Process, url: str) -> Process:
    try:
        process.wait_ready(url)
    except BaseException:
        process.stop()  # never leave a process behind that no test will stop
        raise
    return process


def start_worker(settings: Settings, service: str, **env) -> Process:
    process = Process(settings, "commune-worker", service, **env)
    return _started(process, f"http://127.0.0.1:{process.http_port}/health/ready")


@contextlib.contextmanager
def workers_running(settings: Settings, services):
    """Each service's worker started ({service: Process}), all stopped on leaving."""
    processes = {}
    try:
        for name in services:
            processes[name] = start_worker(settings, name)
        yield processes
    finally:
        for process in processes.values():
            process.stop()


def workbook_bytes(*rows) -> bytes:
    """An .xlsx file whose first sheet holds these rows."""
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class ConsoleProcess(Process):
    """`commune-console` on a port of its own (`url`), reaching `workers` (service name
    -> Process) through their HTTP APIs."""

    def __init__(self, settings: Settings, workers: dict[str, Process], **env):
        self.http_port = free_port()
        self.url = f"http://127.0.0.1:{self.http_port}"
        LOGS.mkdir(parents=True, exist_ok=True)
        self.log_path = LOGS / f"{settings.namespace}-commune-console.log"
        self.log = open(self.log_path, "ab")
        urls = {name: f"http://127.0.0.1:{p.http_port}" for name, p in workers.items()}
        self.popen = subprocess.Popen(
            [str(BIN / "commune-console")], stdout=self.log, stderr=subprocess.STDOUT,
            env=env_for(settings, COMMUNE_CONSOLE_PORT=self.http_port,
                        COMMUNE_API_URLS=json.dumps(urls), **env))


def start_console(settings: Settings, workers: dict[str, Process], **env) -> ConsoleProcess:
    process = ConsoleProcess(settings, workers, **env)
    return _started(process, process.url + "/health/live")


def start_grpc(settings: Settings, service: str) -> Process:
    process = Process(settings, "commune-grpc", service)
    return _started(process, f"http://127.0.0.1:{process.metrics_port}/metrics")


def metric_value(text: str, name: str, **labels) -> float:
    """The value of one sample in a Prometheus text exposition; 0 when absent."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        sample, _, value = line.rpartition(" ")
        metric, _, label_text = sample.partition("{")
        got = ",".join(sorted(label_text.rstrip("}").split(","))) if label_text else ""
        if metric == name and got == wanted:
            return float(value)
    return 0.0


# The AMQP app_id of the messages that tests publish themselves.
INJECTED = "tests"


class Broker:
    """Raw access to the test namespace's exchanges and queues."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.connection = kombu.Connection(settings.amqp_uri)
        self.channel = self.connection.channel()

    def capture(self, source: str, event_type: str) -> kombu.Queue:
        """A private queue receiving every `event_type` event of `source` from now on."""
        exchange = topology.events_exchange(self.settings.namespace, source)
        queue = kombu.Queue(exclusive=True, auto_delete=True, exchange=exchange,
                            routing_key=event_type, channel=self.channel)
        exchange(self.channel).declare()
        queue.declare()
        return queue

    def publish(self, source: str, routing_key: str, body: bytes | str, **properties) -> None:
        """A message as a test makes it (marked as such: the AsyncAPI wire tap skips it)."""
        exchange = topology.events_exchange(self.settings.namespace, source)
        producer = kombu.Producer(self.channel)
        producer.publish(body, exchange=exchange, routing_key=routing_key, declare=[exchange],
                         content_type=properties.pop("content_type", "application/json"),
                         delivery_mode=2, app_id=INJECTED, **properties)

    def take(self, queue: kombu.Queue | str, timeout: float = WAIT_S):
        """The next message of a queue (acked), or fail after `timeout`."""
        if isinstance(queue, str):
            queue = kombu.Queue(queue, channel=self.channel, no_declare=True)

        def one():
            message = queue.get(no_ack=False) if isinstance(queue, kombu.Queue) else None
            if message is not None:
                message.ack()
            return message
        return wait_for(one, timeout, 0.1, f"a message on {queue.name}")

    def message_count(self, queue_name: str) -> int:
        return self.channel.queue_declare(queue_name, passive=True).message_count

    def close(self) -> None:
        self.connection.release()


def decoded(message) -> dict:
    return json.loads(message.body)


def http_call(process: "Process", method: str, path: str, body=None, token: str = "",
              headers: dict | None = None) -> tuple[int, object, bytes]:
    """One HTTP request to a worker: (status, headers, body bytes), errors included. A
    body that is not bytes goes as JSON."""
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{process.http_port}{path}", method=method, data=data,
        headers={**({"Authorization": f"Bearer {token}"} if token else {}),
                 **({"Content-Type": "application/json"} if data is not None else {}),
                 **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=CALL_TIMEOUT_S) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def http_json(process: "Process", method: str, path: str, body=None, token: str = "",
              headers: dict | None = None) -> tuple[int, object]:
    """http_call, its answer parsed as JSON."""
    status, _, content = http_call(process, method, path, body, token, headers)
    return status, json.loads(content)


# --- kpi's task-derived indicators against the tasks service's summary ----------------

def periods_of(deadlines) -> list:
    """Every year, quarter and month that holds one of these deadlines (ISO dates)."""
    import datetime as dt

    from services.common.periods import Period

    found = set()
    for deadline in filter(None, deadlines):
        day = dt.date.fromisoformat(deadline)
        found |= {Period("year", day.year), Period("quarter", day.year, (day.month + 2) // 3),
                  Period.month_of(day)}
    return sorted(found, key=lambda p: (p.year, p.first_day, p.kind))


def task_indicator_mismatches(kpi_counts, summary, periods, this_month) -> list[str]:
    """Where kpi's task indicators and the task summary disagree. kpi_counts(period) ->
    {indicator: (numerator, denominator)}; summary(period or None) -> TaskSummary counts
    (None: every task, as of today). Completion and on-time are compared for every
    period; the monthly update for this month, the one month the summary knows."""
    wrong = []

    def check(period, indicator, expected):
        got = kpi_counts(period)[indicator]
        if got != expected:
            wrong.append(f"{period.label()} {indicator}: kpi {got}, tasks {expected}")
    for period in periods:
        counts = summary(period)
        check(period, "task-completion-rate", (counts["done"], counts["assigned"]))
        check(period, "task-on-time-rate", (counts["done_on_time"], counts["done"]))
    counts = summary(None)
    check(this_month, "task-monthly-update-compliance",
          (counts["updated_this_month"], counts["active"]))
    return wrong
