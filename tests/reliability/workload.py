"""A counted workload for the fault scenarios and the soak, and its exact reconciliation.

While it runs, threads write as the platform's users do, each write with a key of its
own, and count what they attempted and what the platform acknowledged:

- tasks created over HTTP by an officer (key: the task code); a call that failed without
  an answer is retried with the same code, and 409 on a retry means the first was stored;
- detections published by a camera gateway to the ingest exchange with publisher
  confirms (key: the detection id), resent until confirmed, as gateways do; every other
  one is of a watchlisted plate, so that it raises or folds into an alert;
- questions to the assistant over HTTP (key: the trace id of the answer);
- traceability events of a demo batch over HTTP (key: the EPCIS event id, which makes a
  retry idempotent), retried with the same id when no answer came.

Reconciliation, read straight from the database once the platform has drained: every
acknowledged write stored exactly once, and the derived views equal to their sources:
kpi's count of created tasks (from task.created events) equal to the tasks stored, the
watchlist alerts' fold counts equal to the watchlisted detections journaled, the tasks
gRPC process's in-memory read model (ListTasks' total) and the trace worker's mirror of
the batch (its chain's head) equal to the store."""
import json
import threading
import time
import urllib.error
import uuid
from collections import Counter
from dataclasses import dataclass, field

import grpc
import kombu

from commune.v1 import tasks_pb2, tasks_pb2_grpc
from services.common.auth import issue_token
from services.common.clock import now
from services.common.mongo import make_client
from services.common.settings import Settings
from services.iocevents.broker import ingest_exchange
from services.iocevents.store import JOURNAL_PREFIX, unpack
from services.kpi.store import KpiStore
from tests.helpers import CALL_TIMEOUT_S, ROOT, Process, http_call, wait_for

TENANT = "binh-lu"
FIGURES = ROOT / "var" / "reliability-figures.txt"
WATCHED_PLATE = "25A-168.68"  # the demo watchlist's wl-xe-001
DEVICES = ("cam-cong-an-xa-1", "cam-cau-na-da-1")
QUESTIONS = ("Làm giấy khai sinh cần giấy tờ gì?", "Đăng ký kết hôn ở đâu?",
             "lam can cuoc cong dan mat bao lau")
# The demo batch the trace events are of, and its producer (services/trace/demo).
BATCH = {"gtin": "8939999000024", "lot": "TB-2026-01"}
BATCH_ID = "08939999000024:TB-2026-01"
TRACE_WHERE = "producer:htx-mien-dong-binh-lu"
# Retry pause for a write that got no answer (the platform is down: wait, do not spin).
RETRY_PAUSE_S = 0.5


@dataclass
class Figures:
    attempted: int = 0
    acknowledged: int = 0
    stored: int = 0
    duplicated: int = 0
    lost: int = 0

    def row(self) -> str:
        return (f"{self.attempted:>9} {self.acknowledged:>12} {self.stored:>7} "
                f"{self.duplicated:>10} {self.lost:>5}")


HEADER = f"{'':<11} {'attempted':>9} {'acknowledged':>12} {'stored':>7} {'duplicated':>10} " \
         f"{'lost':>5}"


@dataclass
class Tally:
    attempted: int = 0
    acked: set = field(default_factory=set)


class Workload:
    """Writes at `rate` operations per second of each kind until stopped."""

    def __init__(self, settings: Settings, processes: dict[str, Process], rate: float = 5.0,
                 prefix: str = "rel"):
        self.settings = settings
        self.processes = processes
        self.rate = rate
        self.prefix = prefix
        self.token = issue_token(settings, "workload", "officer", [TENANT])
        self.tallies = {kind: Tally() for kind in ("tasks", "detections", "questions",
                                                   "trace")}
        self.errors = Counter()  # answers that were not acknowledgements, by kind and status
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._loop, args=(write,), daemon=True)
                         for write in (self._task, self._detection, self._question,
                                       self._trace_event)]
        self._lock = threading.Lock()
        self._n = Counter()

    def start(self) -> "Workload":
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(CALL_TIMEOUT_S * 2)

    def acknowledged(self) -> int:
        return sum(len(t.acked) for t in self.tallies.values())

    def _loop(self, write) -> None:
        period = 1.0 / self.rate
        next_at = time.monotonic()
        while not self._stop.is_set():
            try:
                write()
            except Exception as exc:  # noqa: BLE001 - counted, and the writing goes on
                self.errors[(write.__name__.lstrip("_"), type(exc).__name__)] += 1
            next_at = max(next_at + period, time.monotonic())
            self._stop.wait(max(0.0, next_at - time.monotonic()))

    def _next(self, kind: str) -> int:
        with self._lock:
            self._n[kind] += 1
            self.tallies[kind].attempted += 1
            return self._n[kind]

    # --- the writes ------------------------------------------------------------------

    def _task(self) -> None:
        code = f"{self.prefix.upper()}-{self._next('tasks'):06d}"
        body = {"code": code, "title": f"Nhiệm vụ kiểm thử {code}", "leadUnit": "phong-vhxh"}
        retried = False
        while True:
            try:
                status, _, _ = http_call(self.processes["tasks"], "POST",
                                         f"/api/v1/communes/{TENANT}/tasks", body, self.token)
            except (OSError, urllib.error.URLError):
                status = None  # no answer: stored or not, nobody knows; ask again
            if status == 201 or (status == 409 and retried):
                self.tallies["tasks"].acked.add(code)
                return
            if status is not None and status < 500 and status != 429:
                self.errors[("tasks", status)] += 1
                return
            if self._stop.is_set() and status is not None:
                return
            retried = True
            self._stop.wait(RETRY_PAUSE_S)

    def _detection(self) -> None:
        n = self._next("detections")
        plate = WATCHED_PLATE if n % 2 else f"29C-{n % 1000:03d}.{n % 97:02d}"
        detection = {"id": f"{self.prefix}-{n}", "tenant": TENANT,
                     "deviceId": DEVICES[n % 2], "time": now().isoformat(),
                     "kind": "plate_read", "confidence": 0.93, "plate": {"text": plate}}
        while True:
            try:
                self._publish(detection)
                self.tallies["detections"].acked.add(detection["id"])
                return
            except Exception:  # noqa: BLE001 - unconfirmed whatever the cause (amqp's own
                # errors, a closed channel, a confirm timeout): send it again
                self._drop_connection()
                if self._stop.is_set():
                    return
                self._stop.wait(RETRY_PAUSE_S)

    _connection = None

    def _publish(self, detection: dict) -> None:
        if self._connection is None:
            self._connection = kombu.Connection(self.settings.amqp_uri,
                                                transport_options={"confirm_publish": True},
                                                connect_timeout=5)
            self._producer = kombu.Producer(self._connection.channel())
        self._producer.publish({"detections": [detection]},
                               exchange=ingest_exchange(self.settings.namespace),
                               routing_key=f"detection.{TENANT}", delivery_mode=2,
                               serializer="json", retry=False, timeout=10)

    def _drop_connection(self) -> None:
        if self._connection is not None:
            try:
                self._connection.release()
            except Exception:  # already broken: nothing to release
                pass
        self._connection = None

    def trace_event_id(self, n: int) -> str:
        return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{self.prefix}-{n}')}"

    def _trace_event(self) -> None:
        event_id = self.trace_event_id(self._next("trace"))
        body = {"step": "inspecting", "where": TRACE_WHERE, "when": now().isoformat(),
                "batch": BATCH, "eventId": event_id}
        while True:
            try:
                status, _, _ = http_call(self.processes["trace"], "POST",
                                         f"/api/v1/communes/{TENANT}/trace/events", body,
                                         self.token)
            except (OSError, urllib.error.URLError):
                status = None
            if status == 201:  # a retry of a recorded event answers 201, duplicate: true
                self.tallies["trace"].acked.add(event_id)
                return
            if status is not None and status < 500 and status != 429:
                self.errors[("trace", status)] += 1
                return
            if self._stop.is_set() and status is not None:
                return
            self._stop.wait(RETRY_PAUSE_S)

    def _question(self) -> None:
        n = self._next("questions")
        try:
            status, _, content = http_call(self.processes["assistant"], "POST",
                                           f"/api/v1/communes/{TENANT}/assistant/ask",
                                           {"question": QUESTIONS[n % len(QUESTIONS)]})
        except (OSError, urllib.error.URLError):
            return  # no answer: the citizen asks again, as a new question
        if status == 200:
            self.tallies["questions"].acked.add(json.loads(content)["answer"]["traceId"])
        else:
            self.errors[("questions", status)] += 1


# --- reconciliation --------------------------------------------------------------------

@dataclass
class Reconciliation:
    settled_s: float  # from the end of the workload to the views equal to their sources
    figures: dict[str, Figures]
    views: dict[str, tuple]  # derived view -> (its figure, its source's)

    def table(self, title: str = "") -> str:
        lines = [title, HEADER] if title else [HEADER]
        lines += [f"{kind:<11} {f.row()}" for kind, f in self.figures.items()]
        lines += [f"view {name}: {got} (source {expected})"
                  for name, (got, expected) in self.views.items()]
        lines.append(f"every view equal to its source {self.settled_s:.1f} s after the "
                     "workload stopped")
        return "\n".join(lines)

    def problems(self) -> list[str]:
        wrong = [f"{kind}: {f.lost} lost, {f.duplicated} duplicated"
                 for kind, f in self.figures.items() if f.lost or f.duplicated]
        return wrong + [f"{name}: {got} != {expected}"
                        for name, (got, expected) in self.views.items() if got != expected]


def _figures(tally: Tally, stored: Counter) -> Figures:
    mine = {key: n for key, n in stored.items()}
    return Figures(attempted=tally.attempted, acknowledged=len(tally.acked),
                   stored=len(mine), duplicated=sum(n - 1 for n in mine.values() if n > 1),
                   lost=len(tally.acked - set(mine)))


def stored_counts(settings: Settings, workload: Workload) -> dict[str, Counter]:
    """What the database holds of the workload's writes: key -> copies, by kind."""
    prefix = workload.prefix
    sent_events = {workload.trace_event_id(n)
                   for n in range(1, workload.tallies["trace"].attempted + 1)}
    client = make_client(settings)
    try:
        ns = settings.namespace
        tasks = Counter(t["code"] for t in client[f"{ns}_tasks"].tasks.find(
            {"tenant": TENANT}, {"code": 1}) if t["code"].startswith(f"{prefix.upper()}-"))
        journal = client[f"{ns}_iocevents_journal"]
        detections = Counter(
            row["id"] for name in journal.list_collection_names()
            if name.startswith(JOURNAL_PREFIX)
            for entry in journal[name].find({}, {"detections": 1})
            for row in unpack(entry["detections"]) if row["id"].startswith(f"{prefix}-"))
        assistant = client[f"{ns}_assistant"]
        questions = Counter(t["_id"] for name in assistant.list_collection_names()
                            if name.startswith("traces_")
                            for t in assistant[name].find({}, {"_id": 1}))
        trace = Counter(link["event"]["eventID"]
                        for link in client[f"{ns}_trace"].links.find({}, {"event": 1})
                        if link.get("event", {}).get("eventID") in sent_events)
        return {"tasks": tasks, "detections": detections, "questions": questions,
                "trace": trace}
    finally:
        client.close()


def derived_views(settings: Settings, processes: dict[str, Process], prefix: str) -> dict:
    client = make_client(settings)
    try:
        ns = settings.namespace
        tasks_stored = client[f"{ns}_tasks"].tasks.count_documents({"tenant": TENANT})
        kpi_created = KpiStore(client[f"{ns}_kpi"]).tasks_created(TENANT)
        journal = client[f"{ns}_iocevents_journal"]
        watched = len({row["id"] for name in journal.list_collection_names()
                       if name.startswith(JOURNAL_PREFIX)
                       for entry in journal[name].find({}, {"detections": 1})
                       for row in unpack(entry["detections"])
                       if row.get("plate", {}).get("text") == WATCHED_PLATE})
        ioc = client[f"{ns}_iocevents"]
        folded = sum(a["count"] for collection in (ioc.alerts, ioc.alerts_resolved)
                     for a in collection.find({"tenant": TENANT, "rule_id": "watchlist"},
                                              {"count": 1}))
        links = sum(1 for link in client[f"{ns}_trace"].links.find({}, {"_id": 1})
                    if link["_id"].startswith(f"{BATCH_ID}:"))
    finally:
        client.close()
    views = {"kpi task.created": (kpi_created, tasks_stored),
             "ioc watchlist folds": (folded, watched)}
    if "trace" in processes:
        views["trace mirror head"] = (_mirrored_head(settings, processes["trace"]), links)
    if "tasks-grpc" in processes:
        views["tasks-grpc read model"] = (_grpc_task_count(settings, processes["tasks-grpc"]),
                                       tasks_stored)
    return views


def _mirrored_head(settings: Settings, process: Process) -> int | None:
    """The batch's chain head as the trace worker's in-memory mirror has it."""
    token = issue_token(settings, "workload", "officer", [TENANT])
    status, _, content = http_call(
        process, "GET", f"/api/v1/communes/{TENANT}/trace/batches/{BATCH['gtin']}/"
        f"{BATCH['lot']}", token=token)
    return json.loads(content)["batch"]["eventCount"] if status == 200 else None


def _grpc_task_count(settings: Settings, process: Process) -> int:
    token = issue_token(settings, "workload", "province", [TENANT])
    with grpc.insecure_channel(f"127.0.0.1:{process.grpc_port}") as channel:
        return tasks_pb2_grpc.TasksServiceStub(channel).ListTasks(
            tasks_pb2.ListTasksRequest(tenant=TENANT, page_size=1),
            metadata=[("authorization", f"Bearer {token}")], timeout=CALL_TIMEOUT_S).total_size


def reconcile(workload: Workload, settings: Settings, timeout: float = 300.0
              ) -> Reconciliation:
    """Once the derived views have caught up (or `timeout` passed), the figures: what was
    written against what is stored, and each view against its source."""
    def settled():
        views = derived_views(settings, workload.processes, workload.prefix)
        stored = stored_counts(settings, workload)
        caught_up = all(got == expected for got, expected in views.values()) and all(
            workload.tallies[kind].acked <= set(stored[kind]) for kind in stored)
        return (views, stored) if caught_up else None
    started = time.monotonic()
    try:
        views, stored = wait_for(settled, timeout, 1.0, "the derived views to catch up")
    except AssertionError:  # the figures say what is wrong
        views = derived_views(settings, workload.processes, workload.prefix)
        stored = stored_counts(settings, workload)
    questions = Counter({key: n for key, n in stored["questions"].items()
                         if key in workload.tallies["questions"].acked})
    return Reconciliation(
        time.monotonic() - started,
        {"tasks": _figures(workload.tallies["tasks"], stored["tasks"]),
         "detections": _figures(workload.tallies["detections"], stored["detections"]),
         "questions": _figures(workload.tallies["questions"], questions),
         "trace": _figures(workload.tallies["trace"], stored["trace"])}, views)


def record(text: str) -> None:
    """A scenario's figures: printed, and appended to var/reliability-figures.txt."""
    print(text)
    with open(FIGURES, "a") as out:
        out.write(text + "\n\n")
