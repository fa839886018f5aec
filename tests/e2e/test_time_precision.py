"""One precision for times at every door: what the database keeps (the millisecond). A
task's create answer said 10:00:00.123456Z and every later read 10:00:00.123000Z, so a
client comparing the two saw a change that never happened."""
import datetime as dt
import json
import uuid

import grpc
import pytest
from google.protobuf import json_format

from commune.v1 import tasks_pb2, tasks_pb2_grpc
from services.common.auth import issue_token
from services.tasks.app import OPERATIONS
from tests.api_doors import for_tenant
from tests.e2e.conftest import rpc
from tests.helpers import CALL_TIMEOUT_S, http_json

pytestmark = pytest.mark.e2e
TENANT = "lung-phinh"
TIMES = ("createTime", "updateTime")


def test_a_task_answers_the_same_times_when_created_and_when_read_at_every_door(settings,
                                                                               platform):
    token = issue_token(settings, "officer-time", "officer", [TENANT])
    request = {**for_tenant(OPERATIONS["create_task"].example, TENANT),
               "code": f"TIME-{uuid.uuid4().hex[:8]}"}
    del request["tenant"]
    status, created = http_json(platform["tasks"], "POST",
                                f"/api/v1/communes/{TENANT}/tasks", request, token)
    assert status == 201, created
    path = f"/api/v1/communes/{TENANT}/tasks/{created['id']}"
    _, over_http = http_json(platform["tasks"], "GET", path, token=token)
    over_rpc = rpc(settings, token, "tasks", "get_task", {"tenant": TENANT, "id": created["id"]})
    with grpc.insecure_channel(f"127.0.0.1:{platform['tasks-grpc'].grpc_port}") as channel:
        answer = tasks_pb2_grpc.TasksServiceStub(channel).GetTask(
            tasks_pb2.GetTaskRequest(tenant=TENANT, id=created["id"]),
            metadata=[("authorization", f"Bearer {token}")], timeout=CALL_TIMEOUT_S)
    over_grpc = json.loads(json_format.MessageToJson(answer))["task"]
    answered = {name: created.get(name) for name in TIMES}
    assert answered["createTime"]
    assert {door: {name: answer["task"].get(name) for name in TIMES}
            for door, answer in (("http", over_http), ("rpc", over_rpc))} == {
        "http": answered, "rpc": answered}
    # proto3 JSON writes the digits a time has (3 for a millisecond): the same instant
    assert _instant(over_grpc["createTime"]) == _instant(created["createTime"])


def _instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
