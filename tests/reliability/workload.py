"""A counted workload for the fault scenarios and the soak, and its exact reconciliation.

While it runs, the platform's users and devices write, each write with a key of its own,
and the workload counts what they attempted and what the platform acknowledged:

- tasks created over HTTP by an officer (key: the task code); a call that failed without
  an answer is retried with the same code, and 409 on a retry means the first was stored;
- KPI figures approved over HTTP (key: indicator, unit and period): an admin sets the
  period's target, an officer enters a figure below it and submits it, the admin
  approves it; each step is retried when no answer came, and on a retry 409 (the figure
  already moved on) means the first was applied;
- detections from the project's camera simulator (`commune simulate-cameras`, which
  holds what it saw while the broker is away and resends it), at half of its plate reads
  watchlisted; acknowledged: what its record (`--record`) says the broker confirmed;
- questions to the assistant over HTTP (key: the trace id of the answer);
- traceability events of a demo batch over HTTP (key: the EPCIS event id, which makes a
  retry idempotent), retried with the same id when no answer came.

Reconciliation, read straight from the database once the platform has drained: every
acknowledged write stored exactly once (an approved figure: one approval revision), and
the derived views equal to their sources: kpi's count of created tasks (from
task.created events) equal to the tasks stored, kpi's sheets holding every approved
revision, the IOC's kpi-missed alerts (from kpi.target_missed) one per approved figure,
the watchlist alerts' fold counts equal to the watchlisted detections journaled, the
tasks gRPC process's in-memory read model (ListTasks' total) and the trace worker's
mirror of the batch (its chain's head) equal to the store."""
import itertools
import json
import tempfile
import threading
import time
import urllib.error
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import grpc

from commune.v1 import tasks_pb2, tasks_pb2_grpc
from services.common.auth import issue_token
from services.common.clock import now
from services.common.mongo import make_client
from services.common.settings import Settings
from services.iocevents.alerts import KPI_MISSED_RULE
from services.iocevents.model import normalise_plate
from services.iocevents.store import JOURNAL_PREFIX, unpack
from services.kpi.indicators import parse_period
from services.kpi.keys import cell_key, sheet_id, sheets_collection
from services.kpi.store import KpiStore
from tests.helpers import CALL_TIMEOUT_S, ROOT, Process, http_call, wait_for

TENANT = "binh-lu"
FIGURES = ROOT / "var" / "reliability-figures.txt"
# The demo watchlist's plates (wl-xe-001, wl-xe-002) and its watchlist rule's threshold.
WATCHED_PLATES = ("25A-168.68", "25B1-456.78")
WATCHLIST_MIN_CONFIDENCE = 0.6
QUESTIONS = ("Làm giấy khai sinh cần giấy tờ gì?", "Đăng ký kết hôn ở đâu?",
             "lam can cuoc cong dan mat bao lau")
# The demo batch the trace events are of, and its producer (services/trace/demo).
BATCH = {"gtin": "8939999000024", "lot": "TB-2026-01"}
BATCH_ID = "08939999000024:TB-2026-01"
TRACE_WHERE = "producer:htx-mien-dong-binh-lu"
# The KPI figures: the commune's ratios entered by hand, for each month from January 2000
# on (9,600 figures before the periods run out), each below its target, so
# that its approval misses the target and the IOC raises an alert for it. Numbered
# across the workloads of a process, as several may write in one namespace.
KPI_INDICATORS = ("online-dossiers", "full-online-dossiers", "digitised-dossiers",
                  "e-results", "data-reuse", "online-payment", "vneid-level2",
                  "e-health-records")
_figures_numbered = itertools.count(1)
KPI_TARGET = {"comparison": "COMPARISON_GREATER", "value": 90,
              "sourceDocument": "Kế hoạch kiểm thử độ tin cậy"}
KPI_FIGURE = {"numerator": 45, "denominator": 90, "sourceDocument": "Báo cáo kiểm thử"}
# Retry pause for a write that got no answer (the platform is down: wait, do not spin).
RETRY_PAUSE_S = 0.5
KINDS = ("tasks", "figures", "detections", "questions", "trace")


def figure_where(n: int) -> dict:
    """The indicator, unit and month of the n-th figure (1: online-dossiers, 2000-01):
    every indicator of a month before the next month, as kpi keeps a collection per
    period."""
    month, indicator = divmod(n - 1, len(KPI_INDICATORS))
    return {"indicator": KPI_INDICATORS[indicator], "unit": TENANT,
            "period": f"{2000 + month // 12}-{month % 12 + 1:02d}"}


def figure_key(where: dict) -> str:
    return f"{where['indicator']}|{where['unit']}|{where['period']}"


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
    """Writes at `rate` operations per second of each kind until stopped (a KPI figure
    is one operation of four calls); the camera simulator sends `rate` detections a
    second."""

    def __init__(self, settings: Settings, processes: dict[str, Process], rate: float = 5.0,
                 prefix: str = ""):
        self.settings = settings
        self.processes = processes
        self.rate = rate
        # The keys of its writes: its own, beside other workloads' in the namespace.
        self.prefix = prefix or f"rel{uuid.uuid4().hex[:6]}"
        self.token = issue_token(settings, "workload", "officer", [TENANT])
        self.admin = issue_token(settings, "workload-admin", "admin", [TENANT])
        self.tallies = {kind: Tally() for kind in KINDS}
        self.errors = Counter()  # answers that were not acknowledgements, by kind and status
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._loop, args=(write,), daemon=True)
                         for write in (self._task, self._figure, self._confirmed_detections,
                                       self._question, self._trace_event)]
        self._lock = threading.Lock()
        self._n = Counter()
        self._record = Path(tempfile.mkdtemp(prefix="workload-")) / "confirmed.txt"
        self._record.touch()
        self._record_read = 0  # bytes of the record taken in so far
        self.cameras: Process | None = None
        self.figures_attempted: set[str] = set()

    def start(self) -> "Workload":
        self.cameras = Process(self.settings, "commune", "simulate-cameras", "--rate",
                               str(self.rate), "--tenant", TENANT, "--watched-share", "0.5",
                               "--record", str(self._record), COMMUNE_STARTUP_TIMEOUT_S=0)
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self.cameras.stop()
        self._stop.set()
        for thread in self._threads:
            thread.join(CALL_TIMEOUT_S * 2)
        self._confirmed_detections()  # the last lines the simulator wrote
        if self.cameras.popen.returncode not in (0, -15):  # -15: our SIGTERM
            self.errors[("detections", f"simulator exited {self.cameras.popen.returncode}")] += 1

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

    def _send(self, kind: str, process: str, method: str, path: str, body: dict, token: str,
              ok: int, ok_on_retry: tuple[int, ...] = ()) -> bool:
        """One write, asked again while no answer (or an answer saying: not now) came;
        whether it was acknowledged. `ok_on_retry`: what a retry answers when the first
        attempt was applied."""
        retried = False
        while True:
            try:
                status, _, _ = http_call(self.processes[process], method, path, body, token)
            except (OSError, urllib.error.URLError):
                status = None  # no answer: applied or not, nobody knows; ask again
            if status == ok or (retried and status in ok_on_retry):
                return True
            if status is not None and status < 500 and status != 429:
                self.errors[(kind, status)] += 1
                return False
            if self._stop.is_set() and status is not None:
                return False
            retried = True
            self._stop.wait(RETRY_PAUSE_S)

    # --- the writes ------------------------------------------------------------------

    def _task(self) -> None:
        code = f"{self.prefix.upper()}-{self._next('tasks'):06d}"
        body = {"code": code, "title": f"Nhiệm vụ kiểm thử {code}", "leadUnit": "phong-vhxh"}
        if self._send("tasks", "tasks", "POST", f"/api/v1/communes/{TENANT}/tasks", body,
                      self.token, 201, (409,)):
            self.tallies["tasks"].acked.add(code)

    def _figure(self) -> None:
        """Target, entry, submission and approval of one month's figure: the officer
        enters and submits, the commune's leadership (admin) sets targets and approves."""
        self._next("figures")
        where = figure_where(next(_figures_numbered))
        self.figures_attempted.add(figure_key(where))
        base = f"/api/v1/communes/{TENANT}/kpi"
        target = {k: v for k, v in where.items() if k != "unit"}  # the commune's own
        steps = (("PUT", "/targets", {**target, **KPI_TARGET}, self.admin, 200, ()),
                 ("POST", "/measurements", {**where, **KPI_FIGURE}, self.token, 201, ()),
                 ("POST", "/measurements/submit", where, self.token, 200, (409,)),
                 ("POST", "/measurements/approve", where, self.admin, 200, (409,)))
        for method, path, body, token, ok, ok_on_retry in steps:
            if not self._send("figures", "kpi", method, base + path, body, token, ok,
                              ok_on_retry):
                return
        self.tallies["figures"].acked.add(figure_key(where))

    def _confirmed_detections(self) -> None:
        """What the simulator's record has added since: detections the broker confirmed
        (it sends on by itself; this only reads what it has handed over)."""
        with self._lock, open(self._record, "rb") as record:
            record.seek(self._record_read)
            lines = record.read().split(b"\n")
            # A line still being written is taken next time.
            self._record_read += sum(len(line) + 1 for line in lines[:-1])
            confirmed = [line.decode() for line in lines[:-1] if line]
            tally = self.tallies["detections"]
            tally.acked.update(confirmed)
            tally.attempted += len(confirmed)

    def trace_event_id(self, n: int) -> str:
        return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{self.prefix}-{n}')}"

    def _trace_event(self) -> None:
        event_id = self.trace_event_id(self._next("trace"))
        body = {"step": "inspecting", "where": TRACE_WHERE, "when": now().isoformat(),
                "batch": BATCH, "eventId": event_id}
        # A retry of a recorded event answers 201 with duplicate: true.
        if self._send("trace", "trace", "POST", f"/api/v1/communes/{TENANT}/trace/events",
                      body, self.token, 201):
            self.tallies["trace"].acked.add(event_id)

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


def _journaled(client, namespace: str) -> list[dict]:
    """Every detection row the IOC journal holds, a row for each copy."""
    journal = client[f"{namespace}_iocevents_journal"]
    return [row for name in journal.list_collection_names() if name.startswith(JOURNAL_PREFIX)
            for entry in journal[name].find({}, {"detections": 1})
            for row in unpack(entry["detections"])]


def _approvals(client, namespace: str) -> list[dict]:
    """kpi's approval revisions of the commune's figures, a document each."""
    kpi = client[f"{namespace}_kpi"]
    return [revision for name in kpi.list_collection_names()
            if name.startswith("measurements_")
            for revision in kpi[name].find({"tenant": TENANT, "action": "approve"})]


def stored_counts(settings: Settings, workload: Workload) -> dict[str, Counter]:
    """What the database holds of the workload's writes: key -> copies, by kind (of the
    detections, those the simulator's record says the broker confirmed)."""
    prefix = workload.prefix
    sent_events = {workload.trace_event_id(n)
                   for n in range(1, workload.tallies["trace"].attempted + 1)}
    client = make_client(settings)
    try:
        ns = settings.namespace
        tasks = Counter(t["code"] for t in client[f"{ns}_tasks"].tasks.find(
            {"tenant": TENANT}, {"code": 1}) if t["code"].startswith(f"{prefix.upper()}-"))
        confirmed = workload.tallies["detections"].acked
        detections = Counter(row["id"] for row in _journaled(client, ns)
                             if row["id"] in confirmed)
        figures = Counter(key for r in _approvals(client, ns)
                          if (key := figure_key(r)) in workload.figures_attempted)
        assistant = client[f"{ns}_assistant"]
        questions = Counter(t["_id"] for name in assistant.list_collection_names()
                            if name.startswith("traces_")
                            for t in assistant[name].find({}, {"_id": 1}))
        trace = Counter(link["event"]["eventID"]
                        for link in client[f"{ns}_trace"].links.find({}, {"event": 1})
                        if link.get("event", {}).get("eventID") in sent_events)
        return {"tasks": tasks, "figures": figures, "detections": detections,
                "questions": questions, "trace": trace}
    finally:
        client.close()


def derived_views(settings: Settings, processes: dict[str, Process], prefix: str) -> dict:
    client = make_client(settings)
    try:
        ns = settings.namespace
        tasks_stored = client[f"{ns}_tasks"].tasks.count_documents({"tenant": TENANT})
        kpi = KpiStore(client[f"{ns}_kpi"])
        kpi_created = kpi.tasks_created(TENANT)
        approvals = _approvals(client, ns)
        in_sheets = sum(1 for r in approvals if _sheet_approved_rev(kpi, r) == r["rev"])
        watched_plates = {normalise_plate(p) for p in WATCHED_PLATES}
        watched = len({row["id"] for row in _journaled(client, ns)
                       if str(row.get("kind", "")).lower().endswith("plate_read")
                       and row.get("confidence", 0) >= WATCHLIST_MIN_CONFIDENCE
                       and normalise_plate(row.get("plate", {}).get("text", ""))
                       in watched_plates})
        ioc = client[f"{ns}_iocevents"]
        alerts = [a for collection in (ioc.alerts, ioc.alerts_resolved)
                  for a in collection.find({"tenant": TENANT}, {"count": 1, "rule_id": 1,
                                                                "subject": 1})]
        folded = sum(a["count"] for a in alerts if a["rule_id"] == "watchlist")
        missed = {a["subject"] for a in alerts if a["rule_id"] == KPI_MISSED_RULE}
        links = sum(1 for link in client[f"{ns}_trace"].links.find({}, {"_id": 1})
                    if link["_id"].startswith(f"{BATCH_ID}:"))
    finally:
        client.close()
    # Every workload figure is below its target: each approval misses it, once.
    approved = {f"{r['indicator']}|{r['unit']}|{parse_period(r['period']).label()}"
                for r in approvals}
    views = {"kpi task.created": (kpi_created, tasks_stored),
             "kpi sheets' approved figures": (in_sheets, len(approvals)),
             "ioc kpi-missed alerts": (len(missed) if missed <= approved else
                                       f"{len(missed - approved)} of no approval",
                                       len(approved)),
             "ioc watchlist folds": (folded, watched)}
    if "trace" in processes:
        views["trace mirror head"] = (_mirrored_head(settings, processes["trace"]), links)
    if "tasks-grpc" in processes:
        views["tasks-grpc read model"] = (_grpc_task_count(settings, processes["tasks-grpc"]),
                                       tasks_stored)
    return views


def _sheet_approved_rev(kpi: KpiStore, revision: dict) -> int | None:
    """The revision kpi's sheet of that period holds as the figure's approved one."""
    sheet = kpi.read_packed(sheets_collection(revision["period"]),
                            sheet_id(TENANT, revision["period"]))
    cell = sheet.get("cells", {}).get(cell_key(revision["indicator"], revision["unit"]))
    return ((cell or {}).get("approved") or {}).get("rev")


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
        views, stored = wait_for(settled, timeout, 0.5, "the derived views to catch up")
    except AssertionError:  # the figures say what is wrong
        views = derived_views(settings, workload.processes, workload.prefix)
        stored = stored_counts(settings, workload)
    questions = Counter({key: n for key, n in stored["questions"].items()
                         if key in workload.tallies["questions"].acked})
    return Reconciliation(
        time.monotonic() - started,
        {kind: _figures(workload.tallies[kind],
                        questions if kind == "questions" else stored[kind])
         for kind in KINDS}, views)


def record(text: str) -> None:
    """A scenario's figures: printed, and appended to var/reliability-figures.txt."""
    print(text)
    with open(FIGURES, "a") as out:
        out.write(text + "\n\n")
