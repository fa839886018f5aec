"""`commune seed` loads Bình Lư's real figures, and a province reads them over gRPC:
the 92 tasks of 2025, all done (92/92 = 100%), and the 2026 plan's tasks."""
import subprocess

import pytest

from commune.v1 import common_pb2, tasks_pb2
from services.common.auth import issue_token
from tests.e2e.conftest import tasks_stub
from tests.helpers import BIN, CALL_TIMEOUT_S, SEED_TIMEOUT_S, env_for, wait_for

pytestmark = pytest.mark.e2e
SEEDED_TASKS = 136


@pytest.fixture(scope="module")
def seeded(settings, platform):
    outputs = [subprocess.run([str(BIN / "commune"), "seed"], env=env_for(settings),
                              capture_output=True, text=True, timeout=SEED_TIMEOUT_S,
                              check=True).stdout
               for _ in range(2)]
    # gRPC reads follow the tasks' events, which the seed sends as it stores each task
    # (services/tasks/read_model.py).
    channels = []
    stub = tasks_stub(platform, channels)
    token = issue_token(settings, "lai-chau", "province", ["binh-lu"])
    wait_for(lambda: stub.ListTasks(
        tasks_pb2.ListTasksRequest(tenant="binh-lu"), timeout=CALL_TIMEOUT_S,
        metadata=[("authorization", f"Bearer {token}")]).total_size >= SEEDED_TASKS,
        what="the seeded tasks in the gRPC list")
    channels[0].close()
    return outputs


@pytest.fixture
def province(settings):
    return [("authorization",
             f"Bearer {issue_token(settings, 'lai-chau', 'province', ['binh-lu'])}")]


def year(number: int) -> common_pb2.Period:
    return common_pb2.Period(kind=common_pb2.PERIOD_KIND_YEAR, year=number)


def test_seeding_twice_adds_nothing_the_second_time(seeded):
    first, second = seeded
    assert f"{SEEDED_TASKS} new tasks" in first
    assert "0 new tasks" in second


def test_2025_is_92_of_92_done_on_time(platform, seeded, province):
    channels = []
    reply = tasks_stub(platform, channels).GetTaskSummary(
        tasks_pb2.GetTaskSummaryRequest(tenant="binh-lu", period=year(2025)),
        metadata=province, timeout=CALL_TIMEOUT_S)
    channels[0].close()
    total = reply.total
    assert (total.assigned, total.done, total.done_on_time) == (92, 92, 92)
    assert total.completion_rate == 1.0 and total.on_time_rate == 1.0


def test_the_2026_plan_is_listed_with_its_units(platform, seeded, province):
    channels = []
    stub = tasks_stub(platform, channels)
    reply = stub.ListTasks(tasks_pb2.ListTasksRequest(
        tenant="binh-lu", period=year(2026), status=tasks_pb2.TASK_STATUS_ASSIGNED,
        page_size=100), metadata=province, timeout=CALL_TIMEOUT_S)
    channels[0].close()
    codes = {t.code for t in reply.tasks if t.code.startswith("KH2026-")}  # not other tests'
    assert len(codes) == 16 and "KH2026-01" in codes
    first = next(t for t in reply.tasks if t.code == "KH2026-01")
    assert first.lead_unit == "phong-vhxh" and first.deadline == "2026-12-31"
    assert first.plan.startswith("Kế hoạch thực hiện Nghị quyết số 57-NQ/TW")
