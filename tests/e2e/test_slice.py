"""The thin slice across separate OS processes, real broker and real database:
create over RPC -> stored -> task.created -> consumed once by kpi, even when
redelivered -> visible over gRPC to a province client with a valid token only."""
import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from nameko.exceptions import RemoteError
from pydantic import SecretStr

from commune.v1 import tasks_pb2, tasks_pb2_grpc
from services.common.auth import issue_token
from services.common.envelope import Envelope
from tests.e2e.conftest import rpc
from tests.helpers import CALL_TIMEOUT_S, Broker, http_json, metric_value, wait_for

pytestmark = pytest.mark.e2e

# Lùng Phình: the demo data (test_tasks_seed.py) fills Bình Lư, and its events must not
# reach this test's count.
TASK = {
    "tenant": "lung-phinh",
    "code": "NQ57-2026-AI-01",
    "title": "Đưa trợ lý ảo vào hoạt động tại Trung tâm Phục vụ hành chính công",
    "plan": "Kế hoạch 104-KH/ĐU",
    "group": "Nhiệm vụ đột phá về AI",
    "leadUnit": "phong-van-hoa-xa-hoi",
    "coordinatingUnits": ["trung-tam-phuc-vu-hanh-chinh-cong"],
    "owner": "can-bo-vhxh-01",
    "deliverable": "Trợ lý ảo trả lời thủ tục hành chính",
    "periodText": "Quý III/2026",
    "deadline": "2026-09-30",
}


def grpc_call(platform, token, request, stub_method="GetTask"):
    with grpc.insecure_channel(f"127.0.0.1:{platform['tasks-grpc'].grpc_port}") as channel:
        stub = tasks_pb2_grpc.TasksServiceStub(channel)
        metadata = [("authorization", f"Bearer {token}")] if token else []
        return getattr(stub, stub_method)(request, metadata=metadata, timeout=CALL_TIMEOUT_S)


def test_slice_end_to_end(settings, platform, mongo):
    officer = issue_token(settings, "officer-lung-phinh", "officer", ["lung-phinh"])
    broker = Broker(settings)
    published = broker.capture("tasks", "task.created")

    def tasks_created():
        return rpc(settings, officer, "kpi", "get_counts", {"tenant": "lung-phinh"})[
            "tasksCreated"]
    counted = tasks_created()
    # other e2e modules share the platform: count from what kpi has handled so far
    kpi_metrics = lambda: platform["kpi"].metrics()  # noqa: E731
    handled = metric_value(kpi_metrics(), "commune_kpi_events_consumed_total",
                           event_type="task.created", outcome="handled")
    created = rpc(settings, officer, "tasks", "create_task", TASK, correlation_id="e2e-corr-1")

    # stored with its event, whose listing as unsent is gone once the event went out
    database = mongo[f"{settings.namespace}_tasks"]
    stored = database.tasks.find_one({"_id": created["id"]})
    assert stored["code"] == TASK["code"] and stored["tenant"] == "lung-phinh"
    [event_id] = stored["outbox"]
    wait_for(lambda: database.outbox_pending.find_one({"_id": event_id}) is None,
             what="the event's listing to go")

    # the event on the wire: a CloudEvents envelope around commune.v1.TaskCreated
    message = broker.take(published)
    envelope = Envelope.parse(message.body)
    assert (envelope.type, envelope.source) == ("task.created", "tasks")
    assert envelope.tenant == "lung-phinh"
    assert envelope.dataschema == "commune.v1.TaskCreated"
    assert envelope.correlationid == "e2e-corr-1"
    assert envelope.data["task"]["id"] == created["id"]

    # consumed once by kpi ...
    wait_for(lambda: tasks_created() == counted + 1, what="kpi to count the task")

    # ... and still once when the broker delivers the same event again (handled again:
    # its inbox row is keyed by the event id)
    broker.publish("tasks", "task.created", message.body)
    wait_for(lambda: metric_value(kpi_metrics(), "commune_kpi_events_consumed_total",
                                  event_type="task.created", outcome="handled") == handled + 2,
             what="kpi to handle the copy")
    assert tasks_created() == counted + 1
    broker.close()

    # visible over gRPC to the province of Lào Cai
    province = issue_token(settings, "so-khcn-lao-cai", "province", ["lung-phinh"])
    reply = grpc_call(platform, province, tasks_pb2.GetTaskRequest(tenant="lung-phinh",
                                                                  id=created["id"]))
    assert reply.task.code == TASK["code"]
    assert reply.task.title == TASK["title"]
    assert list(reply.task.coordinating_units) == TASK["coordinatingUnits"]
    assert reply.task.deadline == "2026-09-30"
    assert reply.task.status == tasks_pb2.TASK_STATUS_DRAFT
    assert reply.task.created_by == "officer-lung-phinh"


@pytest.mark.parametrize("token, code", [
    (None, grpc.StatusCode.UNAUTHENTICATED),
    ("not-a-jwt", grpc.StatusCode.UNAUTHENTICATED),
])
def test_grpc_refuses_missing_or_bad_tokens(platform, token, code):
    with pytest.raises(grpc.RpcError) as refused:
        grpc_call(platform, token, tasks_pb2.GetTaskRequest(tenant="binh-lu", id="x"))
    assert refused.value.code() == code


def test_grpc_refuses_a_token_signed_with_another_key(settings, platform):
    other_key = settings.model_copy(update={"auth_secret": SecretStr("x" * 40)})
    forged = issue_token(other_key, "mallory", "province", ["binh-lu"])
    with pytest.raises(grpc.RpcError) as refused:
        grpc_call(platform, forged, tasks_pb2.GetTaskRequest(tenant="binh-lu", id="x"))
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_grpc_refuses_another_communes_token(settings, platform):
    lao_cai = issue_token(settings, "so-khcn-lao-cai", "province", ["lung-phinh"])
    with pytest.raises(grpc.RpcError) as refused:
        grpc_call(platform, lao_cai, tasks_pb2.GetTaskRequest(tenant="binh-lu", id="x"))
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert "binh-lu" in refused.value.details()


def test_grpc_answers_bad_requests_clearly(settings, platform):
    province = issue_token(settings, "so-khcn-lai-chau", "province", ["binh-lu"])
    with pytest.raises(grpc.RpcError) as missing:
        grpc_call(platform, province, tasks_pb2.GetTaskRequest(tenant="binh-lu"))
    assert missing.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.RpcError) as unknown:
        grpc_call(platform, province, tasks_pb2.GetTaskRequest(tenant="binh-lu", id="nope"))
    assert unknown.value.code() == grpc.StatusCode.NOT_FOUND


def test_grpc_health_reports_serving(platform):
    with grpc.insecure_channel(f"127.0.0.1:{platform['tasks-grpc'].grpc_port}") as channel:
        health = health_pb2_grpc.HealthStub(channel)
        reply = health.Check(health_pb2.HealthCheckRequest(service="commune.v1.TasksService"),
                             timeout=CALL_TIMEOUT_S)
    assert reply.status == health_pb2.HealthCheckResponse.SERVING


def test_rpc_rejects_bad_input_and_foreign_tenants(settings, platform):
    officer = issue_token(settings, "officer-binh-lu", "officer", ["binh-lu"])
    with pytest.raises(RemoteError) as invalid:
        rpc(settings, officer, "tasks", "create_task", {**TASK, "tenant": "binh-lu", "code": "X-1",
                                                       "start": "2026-10-01",
                                                       "deadline": "2026-09-30"})
    assert invalid.value.exc_type == "InvalidArgument"
    assert "deadline is before start" in invalid.value.value
    with pytest.raises(RemoteError) as foreign:
        rpc(settings, officer, "tasks", "create_task", TASK)
    assert foreign.value.exc_type == "PermissionDenied"
    with pytest.raises(RemoteError) as anonymous:
        rpc(settings, "", "tasks", "create_task", {**TASK, "tenant": "binh-lu"})
    assert anonymous.value.exc_type == "Unauthenticated"


def http(platform, method, path, token=None, body=None):
    return http_json(platform["tasks"], method, path, body, token or "")


def test_http_json_api_creates_and_reads_with_clear_errors(settings, platform):
    officer = issue_token(settings, "officer-binh-lu", "officer", ["binh-lu"])
    task = {k: v for k, v in TASK.items() if k != "tenant"} | {"code": "HTTP-01"}
    status, created = http(platform, "POST", "/api/v1/communes/binh-lu/tasks", officer, task)
    assert status == 201 and created["code"] == "HTTP-01"
    status, got = http(platform, "GET", f"/api/v1/communes/binh-lu/tasks/{created['id']}",
                       officer)
    assert status == 200 and got["task"]["title"] == TASK["title"]

    base = "/api/v1/communes/binh-lu/tasks"
    assert http(platform, "POST", base, officer, task)[0] == 409
    status, error = http(platform, "POST", base, officer, b"{not json")
    assert status == 400 and "not JSON" in error["detail"]
    status, error = http(platform, "POST", base, officer, {**task, "code": "bad code"})
    assert (status, error["code"], error["field"]) == (400, "INVALID_ARGUMENT", "code")
    status, error = http(platform, "POST", base, officer,
                         {**task, "code": "HTTP-02", "tenant": "lung-phinh"})
    assert (status, error["code"], error["field"]) == (400, "INVALID_ARGUMENT", "tenant")
    listed = http(platform, "GET", f"{base}?status=TASK_STATUS_DRAFT&pageSize=200", officer)[1]
    assert "HTTP-02" not in [t["code"] for t in listed["tasks"]]
    assert http(platform, "GET", f"{base}/{created['id']}")[0] == 401
    assert http(platform, "GET", "/api/v1/communes/lung-phinh/tasks/x", officer)[0] == 403
    assert http(platform, "GET", f"{base}/unknown", officer)[0] == 404


def test_quarterly_review_flags_and_replaces_with_lineage(settings, platform):
    officer = issue_token(settings, "cb-vp-01", "officer", ["binh-lu"])
    base = "/api/v1/communes/binh-lu/tasks"
    task = {"code": "REV-01", "title": "Nhiệm vụ chưa rõ sản phẩm", "leadUnit": "van-phong",
            "owner": "can-bo-vp-01", "start": "2026-01-01", "deadline": "2026-03-31"}
    broker = Broker(settings)
    overdue = broker.capture("tasks", "task.overdue")
    _, created = http(platform, "POST", base, officer, task)
    http(platform, "POST", f"{base}/{created['id']}/assign", officer, {})
    # The overdue check (every second here) changes the task too: let it pass first, or
    # the decision below may meet its change and get "read it again and retry" (409).
    wait_for(lambda: Envelope.parse(broker.take(overdue).body).subject == created["id"],
             what="the task's task.overdue")
    broker.close()

    status, flagged = http(platform, "GET", "/api/v1/communes/binh-lu/task-review", officer)
    assert status == 200
    [mine] = [f for f in flagged["flagged"] if f["task"]["id"] == created["id"]]
    assert set(mine["flags"]) >= {"overdue", "no_deliverable"}  # its deadline has passed

    status, error = http(platform, "POST", f"{base}/{created['id']}/review", officer,
                         {"decision": "replace"})
    assert status == 400 and "needs a note" in error["detail"]
    status, old = http(platform, "POST", f"{base}/{created['id']}/review", officer,
                       {"decision": "replace", "note": "Thay bằng nhiệm vụ có sản phẩm rõ",
                        "replacement": {"code": "REV-01b", "title": "Số hóa hồ sơ một cửa",
                                        "deliverable": "Kho hồ sơ số"}})
    assert status == 200 and old["status"] == "TASK_STATUS_REPLACED"
    _, new = http(platform, "GET", f"{base}/{old['replacedBy']}", officer)
    new = new["task"]
    assert new["replaces"] == created["id"] and new["code"] == "REV-01b"
    status, error = http(platform, "POST", f"{base}/{created['id']}/review", officer,
                         {"decision": "keep"})
    assert status == 409 and "is replaced" in error["detail"]
    assert error["code"] == "FAILED_PRECONDITION"


def test_units_and_officers_are_managed_and_referenced(settings, platform):
    officer = issue_token(settings, "cb-vp-01", "officer", ["binh-lu"])
    status, unit = http(platform, "PUT", "/api/v1/communes/binh-lu/units", officer,
                        {"code": "tram-y-te", "name": "Trạm y tế xã"})
    assert status == 200 and unit["code"] == "tram-y-te"
    status, error = http(platform, "PUT", "/api/v1/communes/binh-lu/officers", officer,
                         {"code": "cb-yt-01", "name": "Cán bộ Trạm y tế", "unit": "tram-ma"})
    assert status == 400 and "unknown unit 'tram-ma'" in error["detail"]
    assert http(platform, "PUT", "/api/v1/communes/binh-lu/officers", officer,
                {"code": "cb-yt-01", "name": "Cán bộ Trạm y tế", "unit": "tram-y-te"})[0] == 200
    _, directory = http(platform, "GET", "/api/v1/communes/binh-lu/units", officer)
    assert "tram-y-te" in {u["code"] for u in directory["units"]}
    # the new officer can now own a task of the new unit
    status, created = http(platform, "POST", "/api/v1/communes/binh-lu/tasks", officer,
                           {"code": "YT-01", "title": "Hồ sơ sức khỏe điện tử",
                            "leadUnit": "tram-y-te", "owner": "cb-yt-01"})
    assert status == 201 and created["owner"] == "cb-yt-01"
