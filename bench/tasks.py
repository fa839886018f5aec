"""Latency of the province-facing task reads over gRPC (ListTasks, one filtered page of
50; GetTaskSummary, a commune's whole data and one year) on one commune of 10,000
tasks, beside raw pymongo fetching the same rows from the same database in the same
run, so that the ratio does not depend on the machine.

    .venv/bin/python -m bench.tasks [--tasks 10000] [--calls 200] [--raw-calls 10]

Everything runs in a namespace of its own (databases, exchanges, queues), removed at
the end, whatever happens."""
import argparse
import contextlib
import dataclasses
import datetime as dt
import json
import math
import os
import platform
import random
import time
import uuid
from collections.abc import Callable, Iterator

import grpc

from bench.harness import bench_namespace, percentile, progress
from commune.v1 import common_pb2, tasks_pb2, tasks_pb2_grpc
from services.common.auth import issue_token
from services.common.mongo import database_name, make_client
from services.common.periods import Period
from services.common.settings import Settings
from services.tasks import domain
from services.tasks.listing import Criteria
from services.tasks.store import LISTED, TaskStore
from tests.helpers import Process, remove_namespace

LIST_P99_TARGET_MS = 50.0
SUMMARY_P99_TARGET_MS = 200.0
PAGE_SIZE = 50
TENANT = "bench-commune"
BY = "bench-loader"
SEED = 20260101  # the same commune in every run
INSERT_BATCH = 500
CALL_TIMEOUT_S = 60.0
PROGRESS_EVERY_S = 30.0
# A commune's lead units (the first one leads most tasks), two officers each, and the
# groups of its plans.
UNITS = [("van-phong", 0.28), ("phong-kinh-te", 0.20), ("phong-vhxh", 0.18),
         ("tt-pvhcc", 0.14), ("cong-an-xa", 0.12), ("ban-chi-huy-quan-su", 0.08)]
GROUPS = ["chuyen-doi-so", "cai-cach-hanh-chinh", "kinh-te-nong-nghiep", "van-hoa-xa-hoi",
          "giao-duc", "y-te", "an-ninh-trat-tu", "moi-truong"]
FIRST_DEADLINE = dt.date(2025, 1, 1)
LAST_DEADLINE = dt.date(2026, 12, 31)
# Status by how the deadline stands today: long past, recently past (90 days), ahead.
# Active tasks whose deadline passed are overdue.
STATUS_MIX = {
    "long past": {"done": 88, "stopped": 5, "in_progress": 3, "paused": 2, "assigned": 2},
    "recent": {"done": 55, "stopped": 3, "in_progress": 25, "paused": 7, "assigned": 10},
    "ahead": {"done": 10, "in_progress": 45, "assigned": 35, "paused": 10},
}
# What is listed: the biggest unit's tasks in progress, and its tasks due in Q3/2026.
LIST_UNIT = UNITS[0][0]
LIST_STATUS = "in_progress"
LIST_QUARTER = Period("quarter", 2026, 3)
SUMMARY_YEAR = Period("year", 2026)


# --- the commune's data --------------------------------------------------------------

def directory_rows() -> tuple[list[dict], list[dict]]:
    units = [{"code": code, "name": f"Đơn vị {code}"} for code, _ in UNITS]
    officers = [{"code": f"{code}-{n}", "name": f"Cán bộ {code} {n}", "unit": code}
                for code, _ in UNITS for n in (1, 2)]
    return units, officers


def at(day: dt.date, rng: random.Random) -> dt.datetime:
    """A moment of a working day."""
    return dt.datetime.combine(day, dt.time(rng.randint(7, 16), rng.randint(0, 59)),
                               tzinfo=dt.UTC)


def changed(document: dict, change: tuple[dict, dict], now: dt.datetime) -> dict:
    """The document after a domain change, as TaskStore.apply stores it (fields set,
    lists pushed, history entry, version and updated_at)."""
    changes, entry = change
    changes = dict(changes)
    pushes = changes.pop("_push", {})
    result = {**document, **changes, "history": document["history"] + [entry],
              "version": document["version"] + 1, "updated_at": now}
    for name, value in pushes.items():
        result[name] = result[name] + (value if isinstance(value, list) else [value])
    return result


def report_progress(document: dict, percent: int, day: dt.date, rng: random.Random) -> dict:
    owner = document["owner"]
    evidence = ([{"url": f"https://vanban.example/{document['code']}/{percent}",
                  "description": "Báo cáo tiến độ"}] if rng.random() < 0.3 else [])
    report = {"percent": percent, "note": f"Đã thực hiện {percent}%", "evidence": evidence}
    now = at(day, rng)
    return changed(document, domain.report_progress(document, report, owner, now), now)


def progress_days(first: dt.date, last: dt.date, count: int,
                  rng: random.Random) -> list[dt.date]:
    span = max(0, (last - first).days)
    return sorted(first + dt.timedelta(days=rng.randint(0, span)) for _ in range(count))


def one_task(number: int, directory: domain.Directory, today: dt.date,
             rng: random.Random) -> dict:
    """A task made, assigned and taken to its status through the domain's rules, at
    plausible moments between its creation and today."""
    unit = rng.choices([u for u, _ in UNITS], [w for _, w in UNITS])[0]
    deadline = FIRST_DEADLINE + dt.timedelta(
        days=rng.randint(0, (LAST_DEADLINE - FIRST_DEADLINE).days))
    start = deadline - dt.timedelta(days=rng.randint(30, 240))
    created = min(start, today - dt.timedelta(days=rng.randint(1, 30)))
    quarter = (deadline.month - 1) // 3 + 1
    fields = {"tenant": TENANT, "code": f"NV-{deadline.year}-{number:05d}",
              "title": f"Nhiệm vụ số {number} của kế hoạch năm {deadline.year}",
              "plan": f"Kế hoạch năm {deadline.year}", "group": rng.choice(GROUPS),
              "lead_unit": unit, "owner": f"{unit}-{rng.randint(1, 2)}",
              "coordinating_units": rng.sample([u for u, _ in UNITS if u != unit],
                                               rng.randint(0, 2)),
              "deliverable": "" if rng.random() < 0.1 else "Báo cáo kết quả thực hiện",
              "priority": rng.choices(domain.PRIORITIES, [2, 6, 2])[0],
              "start": start.isoformat(), "deadline": deadline.isoformat(),
              "period_text": f"Quý {quarter}/{deadline.year}"}
    now = at(created, rng)
    document = domain.new_task(fields, BY, now, directory)
    document = changed(document, domain.assign(document, BY, now, directory), now)
    if deadline >= today:
        standing = "ahead"
    else:
        standing = "recent" if (today - deadline).days <= 90 else "long past"
    mix = STATUS_MIX[standing]
    status = rng.choices(list(mix), list(mix.values()))[0]
    # Work happens between creation and the deadline (or today, if sooner); late
    # tasks get done up to 40 days late.
    last_work = min(today, deadline + dt.timedelta(days=rng.randint(-20, 40)))
    last_work = max(last_work, created)
    if status == "assigned":
        return document
    if status == "stopped":
        now = at(progress_days(created, last_work, 1, rng)[0], rng)
        return changed(document, domain.change_status(
            document, "stopped", document["owner"], now, "Không còn phù hợp"), now)
    reports = {"in_progress": rng.randint(1, 4), "paused": rng.randint(1, 2),
               "done": rng.randint(0, 3)}[status]
    # An active task's last report is recent: some this month.
    if status == "in_progress" and rng.random() < 0.6:
        last_work = max(created, today - dt.timedelta(days=rng.randint(0, 45)))
    days = progress_days(created, last_work, reports + 1, rng)
    percents = sorted(rng.sample(range(5, 96), reports))
    for percent, day in zip(percents, days, strict=False):
        document = report_progress(document, percent, day, rng)
    if status in ("done", "paused"):
        now = at(days[-1], rng)
        document = changed(document, domain.change_status(
            document, status, document["owner"], now), now)
    return document


def commune_tasks(count: int, directory: domain.Directory, today: dt.date) -> Iterator[dict]:
    rng = random.Random(SEED)
    for number in range(1, count + 1):
        # As stored once the events went out and the next write trimmed them.
        yield {**one_task(number, directory, today, rng), "outbox": {}}


def load_commune(store: TaskStore, count: int, today: dt.date) -> dict[str, int]:
    """Units, officers and `count` tasks straight into the database; how many tasks of
    each status."""
    units, officers = directory_rows()
    store.load_directory(TENANT, units, officers)
    directory = store.directory(TENANT)
    statuses: dict[str, int] = {}
    batch: list[dict] = []
    loaded = 0
    for document in commune_tasks(count, directory, today):
        statuses[document["status"]] = statuses.get(document["status"], 0) + 1
        batch.append(document)
        if len(batch) == INSERT_BATCH or loaded + len(batch) == count:
            store.db.tasks.insert_many(batch)
            loaded += len(batch)
            batch = []
            if loaded % (INSERT_BATCH * 4) == 0 or loaded == count:
                progress(f"loaded {loaded}/{count} tasks")
    return statuses


# --- what is measured ----------------------------------------------------------------

@dataclasses.dataclass
class Case:
    """One read, made over gRPC and raw. `check` (not timed) makes both once and says
    what differs between them, if anything; it returns (rows carried, rows matched)."""

    name: str
    kind: str  # "list" or "summary"
    grpc_call: Callable[[str], object]  # takes the call's correlation id
    raw_call: Callable[[], list[dict]]
    check: Callable[[], tuple[int, int]]
    grpc_ms: list[float] = dataclasses.field(default_factory=list)
    raw_ms: list[float] = dataclasses.field(default_factory=list)
    server_ms: list[float] = dataclasses.field(default_factory=list)
    first_grpc_ms: float = math.nan  # the first call, which reads the commune into memory
    rows: int = 0
    matched: int = 0

    @property
    def target_ms(self) -> float:
        return LIST_P99_TARGET_MS if self.kind == "list" else SUMMARY_P99_TARGET_MS


def proto_period(period: Period | None) -> common_pb2.Period | None:
    if period is None:
        return None
    kind = common_pb2.PeriodKind.Value(f"PERIOD_KIND_{period.kind.upper()}")
    return common_pb2.Period(kind=kind, year=period.year, number=period.number)


def list_case(name: str, stub, metadata, store: TaskStore, *, lead_unit: str = "",
              status: str = "", period: Period | None = None) -> Case:
    request = tasks_pb2.ListTasksRequest(
        tenant=TENANT, page_size=PAGE_SIZE, lead_unit=lead_unit, period=proto_period(period),
        status=tasks_pb2.TaskStatus.Value(f"TASK_STATUS_{status.upper()}") if status else 0)
    # The filter the platform builds for that request (overdue_only is not asked for).
    query = Criteria(TENANT, lead_unit=lead_unit, status=status, period=period).mongo()

    def over_grpc(correlation_id: str) -> tasks_pb2.ListTasksResponse:
        return stub.ListTasks(request, timeout=CALL_TIMEOUT_S,
                              metadata=[*metadata, ("x-correlation-id", correlation_id)])

    def raw() -> list[dict]:
        return list(store.db.tasks.find(query).sort([("deadline", 1), ("code", 1)])
                    .limit(PAGE_SIZE))

    def check() -> tuple[int, int]:
        reply, rows = over_grpc(f"bench-check-{uuid.uuid4().hex[:8]}"), raw()
        matched = store.db.tasks.count_documents(query)
        if ([t.code for t in reply.tasks] != [r["code"] for r in rows]
                or reply.total_size != matched):
            raise RuntimeError(f"{name}: gRPC and raw do not give the same page "
                               f"({len(reply.tasks)} rows of {reply.total_size}, raw "
                               f"{len(rows)} of {matched})")
        return len(rows), matched

    return Case(name, "list", over_grpc, raw, check)


def summary_case(name: str, stub, metadata, store: TaskStore,
                 period: Period | None = None) -> Case:
    request = tasks_pb2.GetTaskSummaryRequest(tenant=TENANT, period=proto_period(period))
    query = Criteria(TENANT, period=period).mongo()

    def over_grpc(correlation_id: str) -> tasks_pb2.GetTaskSummaryResponse:
        return stub.GetTaskSummary(request, timeout=CALL_TIMEOUT_S,
                                   metadata=[*metadata, ("x-correlation-id", correlation_id)])

    def raw() -> list[dict]:
        return list(store.db.tasks.find(query, LISTED))

    def check() -> tuple[int, int]:
        reply, rows = over_grpc(f"bench-check-{uuid.uuid4().hex[:8]}"), raw()
        assigned = sum(r["status"] != "draft" for r in rows)
        if reply.total.assigned != assigned:
            raise RuntimeError(f"{name}: the summary counts {reply.total.assigned} tasks "
                               f"assigned, the raw rows {assigned}")
        return len(rows), len(rows)

    return Case(name, "summary", over_grpc, raw, check)


def timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def measure(case: Case, calls: int, raw_calls: int) -> None:
    """One warm-up of each, then `calls` over gRPC and `raw_calls` raw, alternately
    while both last, so that a disturbance of the machine falls on both alike."""
    prefix = f"bench-{case.name.replace(' ', '-')}"
    raw_warmup = timed(case.raw_call)
    grpc_warmup = timed(lambda: case.grpc_call(f"{prefix}-warmup"))
    progress(f"{case.name}: warm-up raw {raw_warmup / 1000:.1f} s, gRPC "
             f"{grpc_warmup / 1000:.1f} s; {calls} gRPC and {raw_calls} raw calls, about "
             f"{raw_warmup * raw_calls / 1000:.0f} s")
    last_line = time.perf_counter()
    for i in range(max(calls, raw_calls)):
        if i < raw_calls:
            case.raw_ms.append(timed(case.raw_call))
        if i < calls:
            case.grpc_ms.append(timed(lambda i=i: case.grpc_call(f"{prefix}-{i}")))
        if time.perf_counter() - last_line > PROGRESS_EVERY_S:
            progress(f"{case.name}: {i + 1} of {max(calls, raw_calls)} rounds")
            last_line = time.perf_counter()


def server_times(log_path, cases: list[Case]) -> None:
    """Each timed call's time inside the gRPC process, from its own log line ("ms",
    the interceptors and the handler, without the transport)."""
    by_prefix = {f"bench-{c.name.replace(' ', '-')}-": c for c in cases}
    with open(log_path, encoding="utf-8", errors="replace") as log:
        for line in log:
            if '"grpc call"' not in line:
                continue
            try:
                record = json.loads(line)
            except ValueError:
                continue
            correlation_id = record.get("correlation_id", "")
            prefix, _, number = correlation_id.rpartition("-")
            case = by_prefix.get(f"{prefix}-")
            if case is not None and number.isdigit() and "ms" in record:
                case.server_ms.append(float(record["ms"]))


def log_problems(log_path) -> list[str]:
    """Log lines of the gRPC process at warning level or above, and calls not OK."""
    problems = []
    with open(log_path, encoding="utf-8", errors="replace") as log:
        for line in log:
            try:
                record = json.loads(line)
            except ValueError:
                problems.append(line.rstrip())  # not ours: a library or a traceback
                continue
            if record.get("level") not in ("info", "debug") or record.get("code", "OK") != "OK":
                problems.append(line.rstrip())
    return problems


# --- the run -------------------------------------------------------------------------

def start_grpc(settings: Settings, cleanup: contextlib.ExitStack):
    """`commune-grpc tasks`, serving once its metrics answer (as tests.helpers.start_grpc
    waits), its stop in `cleanup` before the wait."""
    server = Process(settings, "commune-grpc", "tasks")
    cleanup.callback(server.stop)
    server.wait_ready(f"http://127.0.0.1:{server.metrics_port}/metrics")
    return server




def run(settings: Settings, args: argparse.Namespace, cleanup: contextlib.ExitStack):
    mongo = make_client(settings)
    cleanup.callback(mongo.close)
    store = TaskStore(mongo[database_name(settings, "tasks")])
    today = dt.datetime.now(dt.UTC).date()
    progress(f"loading {args.tasks} tasks of {TENANT} into {store.db.name}")
    statuses = load_commune(store, args.tasks, today)
    progress(f"starting commune-grpc tasks in namespace {settings.namespace}")
    server = start_grpc(settings, cleanup)
    channel = grpc.insecure_channel(f"127.0.0.1:{server.grpc_port}")
    cleanup.callback(channel.close)
    stub = tasks_pb2_grpc.TasksServiceStub(channel)
    token = issue_token(settings, "bench-province", "province", [TENANT])
    metadata = [("authorization", f"Bearer {token}")]
    cases = [
        list_case(f"list {LIST_STATUS}", stub, metadata, store, lead_unit=LIST_UNIT,
                  status=LIST_STATUS),
        list_case(f"list Q{LIST_QUARTER.number}/{LIST_QUARTER.year}", stub, metadata, store,
                  lead_unit=LIST_UNIT, period=LIST_QUARTER),
        summary_case("summary all", stub, metadata, store),
        summary_case(f"summary {SUMMARY_YEAR.year}", stub, metadata, store, SUMMARY_YEAR),
    ]
    # The first call reads the commune into the gRPC process's memory (read_model.py).
    cases[0].first_grpc_ms = timed(lambda: cases[0].grpc_call("bench-first"))
    for case in cases:
        case.rows, case.matched = case.check()
        measure(case, args.calls, args.raw_calls)
    server.stop()  # its log is complete once it has stopped
    server_times(server.log_path, cases)
    return cases, statuses, today, server.log_path


def ms(value: float) -> str:
    return f"{value:.1f}" if math.isfinite(value) else "-"


def p(values: list[float], rank: float) -> float:
    return percentile(values, rank) if values else math.nan


def verdicts(cases: list[Case], kind: str) -> list[str]:
    met = {True: "met", False: "NOT met"}
    lines = []
    for case in (c for c in cases if c.kind == kind):
        target = case.target_ms
        grpc_p99, raw_p99 = p(case.grpc_ms, 99), p(case.raw_ms, 99)
        line = (f"{case.name:<16} gRPC p99 {ms(grpc_p99):>7} ms <= {target:g} ms: "
                f"{met[grpc_p99 <= target]}")
        if raw_p99 > target and grpc_p99 > target:
            line += (f"; the raw query alone takes {ms(raw_p99)} ms at p99, over the "
                     "target: it cannot be met on this database")
        lines.append(line)
    return lines


def report(cases: list[Case], args: argparse.Namespace, statuses: dict[str, int],
           today: dt.date, log_path, problems: list[str]) -> str:
    mix = ", ".join(f"{s} {n}" for s, n in sorted(statuses.items(), key=lambda i: -i[1]))
    header = (f"{'case':<16} {'rows':>5} {'of':>6} {'gRPC p50':>9} {'p99':>7} "
              f"{'raw p50':>8} {'p99':>7} {'x p50':>6} {'x p99':>6} {'srv p50':>8} {'p99':>7}")
    rows = []
    for c in cases:
        grpc_p50, grpc_p99 = p(c.grpc_ms, 50), p(c.grpc_ms, 99)
        raw_p50, raw_p99 = p(c.raw_ms, 50), p(c.raw_ms, 99)
        rows.append(f"{c.name:<16} {c.rows:>5} {c.matched:>6} {ms(grpc_p50):>9} "
                    f"{ms(grpc_p99):>7} {ms(raw_p50):>8} {ms(raw_p99):>7} "
                    f"{grpc_p50 / raw_p50:>6.3f} {grpc_p99 / raw_p99:>6.3f} "
                    f"{ms(p(c.server_ms, 50)):>8} {ms(p(c.server_ms, 99)):>7}")
    return "\n".join([
        f"bench.tasks on {platform.platform(terse=True)}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, {today}",
        f"{args.tasks} tasks of one commune ({len(UNITS)} lead units, {len(GROUPS)} groups, "
        f"deadlines {FIRST_DEADLINE.year}-{LAST_DEADLINE.year}): {mix}",
        f"{args.calls} gRPC and {args.raw_calls} raw sequential calls per case after one "
        "warm-up, alternately while both last",
        f"the first gRPC call ({cases[0].name}), which reads the commune into the gRPC "
        f"process's memory: {ms(cases[0].first_grpc_ms)} ms",
        f"list: ListTasks page 1 of {PAGE_SIZE}, lead_unit {LIST_UNIT} and status "
        f"{LIST_STATUS} / deadline in {LIST_QUARTER.label()}; raw: find(the same filter)"
        f".sort(deadline, code).limit({PAGE_SIZE})",
        "summary: GetTaskSummary of the commune / of one year; raw: find(the same filter, "
        "the summary's projection), every row",
        "",
        header,
        *rows,
        "",
        "rows: rows in a list page, tasks in a summary; of: tasks matching the filter.",
        "x: gRPC / raw (how many times the raw query's time the platform call takes).",
        "srv: the time inside the gRPC process, from its log line for each call.",
        "",
        f"targets (gRPC p99): list <= {LIST_P99_TARGET_MS:g} ms, summary <= "
        f"{SUMMARY_P99_TARGET_MS:g} ms",
        *verdicts(cases, "list"),
        *verdicts(cases, "summary"),
        "",
        f"gRPC process log: {log_path}"
        + (f" ({len(problems)} warning, error or non-OK lines; first: {problems[0][:300]})"
           if problems else " (no warning, error or non-OK call)"),
    ])


def parse_args(argv) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.tasks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=10_000,
                        help="tasks of the commune (default 10000)")
    parser.add_argument("--calls", type=int, default=200,
                        help="timed gRPC calls per case (default 200)")
    parser.add_argument("--raw-calls", type=int, default=10,
                        help="timed raw queries per case; each takes seconds on "
                             "FerretDB/SQLite (default 10)")
    args = parser.parse_args(argv)
    if args.tasks < 1 or args.calls < 1 or args.raw_calls < 1:
        parser.error("need --tasks, --calls and --raw-calls >= 1")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    with bench_namespace() as (settings, cleanup):
        # Undone in reverse: the server stops before its databases go.
        cleanup.callback(remove_namespace, settings)
        cases, statuses, today, log_path = run(settings, args, cleanup)
    print(report(cases, args, statuses, today, log_path, log_problems(log_path)))


if __name__ == "__main__":
    main()
