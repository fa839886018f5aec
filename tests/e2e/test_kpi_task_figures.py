"""After `make run`'s steps (the topology, then the demo data, then the workers), kpi's
task-derived indicators are the tasks service's summary for every period of the demo
data (issue 14: the seed's task events went nowhere, and kpi had no 2025 completion
figure while GetTaskSummary said 92/92). The events path only: the rebuild from the
tasks store has its own test (tests/integration/test_kpi_rebuild.py)."""
import contextlib
import datetime as dt
import subprocess

import grpc
import pytest

from commune.v1 import common_pb2, tasks_pb2, tasks_pb2_grpc
from services.common.auth import issue_token
from services.common.periods import Period
from services.kpi.indicators import period_key
from tests.e2e.conftest import rpc
from tests.helpers import (
    BIN,
    env_for,
    periods_of,
    start_grpc,
    start_worker,
    task_indicator_mismatches,
    wait_for,
)

pytestmark = pytest.mark.e2e
KINDS = {"year": common_pb2.PERIOD_KIND_YEAR, "quarter": common_pb2.PERIOD_KIND_QUARTER,
         "month": common_pb2.PERIOD_KIND_MONTH}


@pytest.fixture(scope="module")
def demo_platform(other_namespace):
    settings = other_namespace()
    for step in (["topology"], ["seed"]):  # no worker runs yet: the events must wait
        subprocess.run([str(BIN / "commune"), *step], env=env_for(settings),
                       capture_output=True, timeout=300, check=True)
    processes = []
    try:
        processes.append(start_worker(settings, "kpi"))
        processes.append(start_grpc(settings, "tasks"))
        channel = grpc.insecure_channel(f"127.0.0.1:{processes[1].grpc_port}")
        yield settings, tasks_pb2_grpc.TasksServiceStub(channel)
        channel.close()
    finally:
        for process in processes:
            process.stop()


def test_kpi_task_figures_are_the_task_summary_for_every_demo_period(demo_platform):
    settings, tasks = demo_platform
    token = issue_token(settings, "lai-chau", "province", ["binh-lu"])
    metadata = [("authorization", f"Bearer {token}")]
    listed = tasks.ListTasks(tasks_pb2.ListTasksRequest(tenant="binh-lu", page_size=200),
                             metadata=metadata, timeout=60)
    periods = periods_of(t.deadline for t in listed.tasks)
    assert Period("year", 2025) in periods and Period("year", 2026) in periods

    def kpi_counts(period):
        rows = rpc(settings, token, "kpi", "get_report",
                   {"tenant": "binh-lu", "period": period_key(period)})["rows"]
        return {r["indicator"]: (r["numerator"] or 0, r["denominator"] or 0) for r in rows}

    def summary(period):
        wanted = common_pb2.Period(kind=KINDS[period.kind], year=period.year,
                                   number=period.number or 0) if period else None
        total = tasks.GetTaskSummary(tasks_pb2.GetTaskSummaryRequest(
            tenant="binh-lu", period=wanted), metadata=metadata, timeout=60).total
        return {f: getattr(total, f) for f in ("assigned", "done", "done_on_time",
                                                "updated_this_month", "active")}

    this_month = Period.month_of(dt.datetime.now(dt.UTC).date())
    def mismatches():
        return task_indicator_mismatches(kpi_counts, summary, periods, this_month)
    with contextlib.suppress(AssertionError):  # the assertion below says what differs
        wait_for(lambda: not mismatches(), 180, 1.0, "kpi to take in the seed's events")
    assert mismatches() == []
    assert kpi_counts(Period("year", 2025))["task-completion-rate"] == (92, 92)
    counted = rpc(settings, token, "kpi", "get_counts", {"tenant": "binh-lu"})["tasksCreated"]
    assert counted == listed.total_size == 136
