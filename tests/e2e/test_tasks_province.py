"""A province client on gRPC, across processes: it lists a commune's tasks with filters
and paging, reads the summary, and watches changes as officers make them over RPC."""
import itertools
import operator
import queue
import threading
import time

import grpc
import pytest

from commune.v1 import common_pb2, tasks_pb2
from services.common.auth import issue_token
from services.tasks.domain import TRANSITIONS
from tests.e2e.conftest import rpc, tasks_stub
from tests.helpers import CALL_TIMEOUT_S, wait_for

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def officer(settings):
    return issue_token(settings, "cb-vp-01", "officer", ["binh-lu"])


@pytest.fixture(scope="module")
def province(settings):
    token = issue_token(settings, "lai-chau", "province", ["binh-lu"])
    return [("authorization", f"Bearer {token}")]


@pytest.fixture
def stub(platform):
    channels = []
    yield tasks_stub(platform, channels)
    for channel in channels:
        channel.close()


def new_task(settings, officer, code, **fields):
    task = {"tenant": "binh-lu", "code": code, "title": f"Nhiệm vụ {code}",
            "group": "prov-e2e", "lead_unit": "van-phong", "owner": "can-bo-vp-01",
            "start": "2026-01-01", "deadline": "2026-06-30", **fields}
    created = rpc(settings, officer, "tasks", "create_task", task)
    return rpc(settings, officer, "tasks", "assign_task", {"tenant": "binh-lu",
                                                           "id": created["id"]})


@pytest.fixture(scope="module")
def five_tasks(settings, officer, platform):
    """Five assigned tasks of group prov-e2e: two in Q1, three in Q2; one of Q1 done,
    one of Q1 overdue (deadline passed, not done)."""
    q1 = [new_task(settings, officer, f"PE-Q1-{i}", deadline="2026-03-31") for i in range(2)]
    q2 = [new_task(settings, officer, f"PE-Q2-{i}", deadline="2099-06-30") for i in range(3)]
    rpc(settings, officer, "tasks", "change_status",
        {"tenant": "binh-lu", "id": q1[0]["id"], "status": "TASK_STATUS_DONE"})
    return q1 + q2


def list_all(stub, province, **filters):
    tasks, token, pages = [], "", 0
    while True:
        reply = stub.ListTasks(tasks_pb2.ListTasksRequest(
            tenant="binh-lu", group="prov-e2e", page_size=2, page_token=token, **filters),
            metadata=province, timeout=CALL_TIMEOUT_S)
        tasks += reply.tasks
        pages += 1
        token = reply.next_page_token
        if not token:
            return tasks, pages, reply.total_size


def test_list_pages_through_every_task(stub, province, five_tasks):
    tasks, pages, total = list_all(stub, province)
    assert total == 5 and pages == 3
    assert sorted(t.code for t in tasks) == sorted(t["code"] for t in five_tasks)


def test_list_filters_by_status_period_and_overdue(stub, province, five_tasks):
    done, _, _ = list_all(stub, province, status=tasks_pb2.TASK_STATUS_DONE)
    assert [t.code for t in done] == ["PE-Q1-0"]
    overdue, _, _ = list_all(stub, province, overdue_only=True)
    assert [t.code for t in overdue] == ["PE-Q1-1"] and overdue[0].overdue
    q1 = common_pb2.Period(kind=common_pb2.PERIOD_KIND_QUARTER, year=2026, number=1)
    in_q1, _, _ = list_all(stub, province, period=q1)
    assert sorted(t.code for t in in_q1) == ["PE-Q1-0", "PE-Q1-1"]


def test_summary_counts_the_groups_tasks(stub, province, five_tasks):
    reply = stub.GetTaskSummary(tasks_pb2.GetTaskSummaryRequest(tenant="binh-lu"),
                                metadata=province, timeout=CALL_TIMEOUT_S)
    [group] = [row for row in reply.by_group if row.key == "prov-e2e"]
    assert (group.assigned, group.done, group.overdue) == (5, 1, 1)
    assert group.completion_rate == pytest.approx(0.2)
    assert (group.due, group.due_done, group.due_overdue) == (2, 1, 1)


def test_watch_streams_changes_made_by_officers(settings, officer, stub, province,
                                                five_tasks):
    received: queue.Queue = queue.Queue()
    stream = stub.WatchTasks(tasks_pb2.WatchTasksRequest(tenant="binh-lu"),
                             metadata=province)

    def read():
        try:
            for change in stream:
                received.put(change)
        except grpc.RpcError:
            pass  # cancelled below
    threading.Thread(target=read, daemon=True).start()

    target = five_tasks[2]
    reports = itertools.count(50)

    # The stream subscribes asynchronously: report until our change comes through. The
    # commune's other changes (another task turning overdue) pass by on the same stream.
    def seen():
        rpc(settings, officer, "tasks", "report_progress", {
            "tenant": "binh-lu", "id": target["id"], "percent": next(reports),
            "note": "tiến độ"})
        deadline = time.monotonic() + 1
        while (left := deadline - time.monotonic()) > 0:
            try:
                change = received.get(timeout=left)
            except queue.Empty:
                return None
            if change.task.id == target["id"]:
                return change
        return None
    change = wait_for(seen, what="a change on the watch stream")
    stream.cancel()
    assert change.event_type == "task.progress_reported"
    assert change.task.id == target["id"] and change.task.progress_percent >= 50
    assert change.task.status == tasks_pb2.TASK_STATUS_IN_PROGRESS


def test_another_province_can_neither_list_nor_watch(settings, stub, five_tasks):
    lao_cai = [("authorization",
                f"Bearer {issue_token(settings, 'lao-cai', 'province', ['lung-phinh'])}")]
    for call, request in ((stub.ListTasks, tasks_pb2.ListTasksRequest(tenant="binh-lu")),
                          (stub.GetTaskSummary,
                           tasks_pb2.GetTaskSummaryRequest(tenant="binh-lu"))):
        with pytest.raises(grpc.RpcError) as refused:
            call(request, metadata=lao_cai, timeout=CALL_TIMEOUT_S)
        assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.RpcError) as refused:
        next(stub.WatchTasks(tasks_pb2.WatchTasksRequest(tenant="binh-lu"), metadata=lao_cai,
                             timeout=CALL_TIMEOUT_S))
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_bad_paging_is_refused(stub, province):
    with pytest.raises(grpc.RpcError) as refused:
        stub.ListTasks(tasks_pb2.ListTasksRequest(tenant="binh-lu", page_token="???"),
                       metadata=province, timeout=CALL_TIMEOUT_S)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_task_overdue_goes_out_once_and_the_gauges_follow(settings, officer, platform):
    from services.common.envelope import Envelope
    from tests.helpers import Broker, metric_value

    broker = Broker(settings)
    announced = broker.capture("tasks", "task.overdue")
    late = new_task(settings, officer, "PE-LATE", deadline="2026-01-31", group="late")

    def announcements_of_late(seconds: float) -> list[dict]:
        """task.overdue events about PE-LATE among those arriving within `seconds`."""
        found, deadline = [], time.monotonic() + seconds
        while time.monotonic() < deadline:
            message = announced.get(no_ack=True)
            if message is None:
                time.sleep(0.1)
                continue
            task = Envelope.parse(message.body).data["task"]
            if task["id"] == late["id"]:
                found.append(task)
        return found

    # the check runs every second: 8 s is time for the first and for any repeat
    found = announcements_of_late(8)
    broker.close()
    assert len(found) == 1 and found[0]["overdue"] is True

    def overdue_gauge():
        return metric_value(platform["tasks"].metrics(), "commune_tasks_overdue_tasks",
                            tenant="binh-lu")
    wait_for(lambda: overdue_gauge() >= 1, what="the overdue gauge to count PE-LATE")

    def gauges_and_summary():
        """The gauges beside the summary the API answers (the same tasks, counted apart)."""
        text = platform["tasks"].metrics()
        gauged = sum(metric_value(text, "commune_tasks_tasks", tenant="binh-lu", status=s)
                     for s in TRANSITIONS if s != "draft")
        summary = rpc(settings, officer, "tasks", "get_task_summary",
                      {"tenant": "binh-lu"})["total"]
        return (gauged, metric_value(text, "commune_tasks_overdue_tasks", tenant="binh-lu"),
                metric_value(text, "commune_tasks_monthly_update_compliance_ratio",
                             tenant="binh-lu")), (
            summary["assigned"], summary["overdue"], summary["monthlyUpdateCompliance"])
    wait_for(lambda: operator.eq(*gauges_and_summary()),
             what="the gauges to equal the task summary")
