"""An HTTP client generated from the tasks worker's /openapi.json by
openapi-python-client, as an outside developer would make one, drives a task's life:
create, assign, report progress, finish, read back; and reads a refusal as a Problem."""
import importlib
import json
import os
import subprocess
import sys

import pytest

from services.common.api import openapi
from services.common.auth import issue_token
from tests.helpers import BIN, http_json

pytestmark = pytest.mark.e2e

TENANT = "lung-phinh"


@pytest.fixture(scope="module")
def client_package(platform, tmp_path_factory):
    status, document = http_json(platform["tasks"], "GET", openapi.DOCUMENT_PATH)
    assert status == 200
    folder = tmp_path_factory.mktemp("generated")
    (folder / "openapi.json").write_text(json.dumps(document))
    subprocess.run([str(BIN / "openapi-python-client"), "generate",
                    "--path", str(folder / "openapi.json"),
                    "--output-path", str(folder / "tasks_api_client"), "--meta", "none"],
                   check=True, capture_output=True, timeout=300,
                   env={**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"})
    sys.path.insert(0, str(folder))
    yield "tasks_api_client"
    sys.path.remove(str(folder))


def test_a_generated_client_runs_a_tasks_life(settings, platform, client_package):
    def load(name):
        return importlib.import_module(f"{client_package}.{name}")
    models, api = load("models"), f"{client_package}.api.commune"
    create, assign, progress, status, get = (
        importlib.import_module(f"{api}.{name}") for name in
        ("create_task", "assign_task", "report_progress", "change_status", "get_task"))
    token = issue_token(settings, "cb-vp-01", "officer", [TENANT])
    client = load("client").AuthenticatedClient(
        base_url=f"http://127.0.0.1:{platform['tasks'].http_port}", token=token)

    created = create.sync(TENANT, client=client, body=models.CreateTaskRequest(
        code="GEN-01", title="Số hóa sổ hộ tịch", lead_unit="van-phong",
        owner="can-bo-vp-01", period_text="Năm 2027"))
    assert isinstance(created, models.Task), created
    assert created.status == models.TaskStatus.TASK_STATUS_DRAFT
    assert created.deadline == "2027-12-31"

    assigned = assign.sync(TENANT, created.id, client=client, body=models.AssignTaskRequest())
    assert assigned.status == models.TaskStatus.TASK_STATUS_ASSIGNED
    reported = progress.sync(TENANT, created.id, client=client,
                             body=models.ReportProgressRequest(percent=60, note="Đã số hóa"))
    assert reported.progress_percent == 60
    done = status.sync(TENANT, created.id, client=client, body=models.ChangeStatusRequest(
        status=models.ChangeStatusRequestStatus.TASK_STATUS_DONE))
    assert done.status == models.TaskStatus.TASK_STATUS_DONE

    read = get.sync(TENANT, created.id, client=client)
    assert read.task.progress_percent == 100 and read.task.done_time is not None

    refused = get.sync("binh-lu", created.id, client=client)
    assert isinstance(refused, models.Problem)
    assert (refused.status, refused.code) == (403, models.ProblemCode.PERMISSION_DENIED)
