"""HTTP clients generated from the workers' /openapi.json by openapi-python-client, as an
outside developer would make them: the tasks client drives a task's life (create, assign,
report progress, finish, read back), the kpi client takes a figure from entry to approval
and reads it back in the report; both read a refusal as a Problem."""
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


def generated_client(platform, tmp_path_factory, worker: str):
    """The package generated from the worker's /openapi.json, importable while in use."""
    status, document = http_json(platform[worker], "GET", openapi.DOCUMENT_PATH)
    assert status == 200
    folder = tmp_path_factory.mktemp("generated")
    (folder / "openapi.json").write_text(json.dumps(document))
    package = f"{worker}_api_client"
    subprocess.run([str(BIN / "openapi-python-client"), "generate",
                    "--path", str(folder / "openapi.json"),
                    "--output-path", str(folder / package), "--meta", "none"],
                   check=True, capture_output=True, timeout=300,
                   env={**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"})
    sys.path.insert(0, str(folder))
    yield package
    sys.path.remove(str(folder))


@pytest.fixture(scope="module")
def client_package(platform, tmp_path_factory):
    yield from generated_client(platform, tmp_path_factory, "tasks")


@pytest.fixture(scope="module")
def kpi_client_package(platform, tmp_path_factory):
    yield from generated_client(platform, tmp_path_factory, "kpi")


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


def test_a_generated_client_takes_a_kpi_figure_from_entry_to_approval(settings, platform,
                                                                     kpi_client_package):
    def load(name):
        return importlib.import_module(f"{kpi_client_package}.{name}")
    models = load("models")
    enter, submit, approve, history = (
        load(f"api.commune.{name}") for name in
        ("enter_measurement", "submit_measurement", "approve_measurement",
         "measurement_history"))
    report = load("api.province.get_report")
    client = load("client").AuthenticatedClient
    base_url = f"http://127.0.0.1:{platform['kpi'].http_port}"
    officer = client(base_url=base_url,
                     token=issue_token(settings, "cb-vhxh-01", "officer", [TENANT]))
    chair = client(base_url=base_url,
                   token=issue_token(settings, "chu-tich-lung-phinh", "admin", [TENANT]))
    figure = {"indicator": "e-health-records", "period": "2028-Q1"}  # no other test's

    entered = enter.sync(TENANT, client=officer, body=models.EnterMeasurementRequest(
        **figure, numerator=10766, denominator=11154,
        source_document="Báo cáo số 15/BC-UBND, mục 2"))
    assert isinstance(entered, models.Measurement), entered
    assert (entered.unit, entered.current.status, entered.current.numerator) == (
        TENANT, models.FigureStateStatus.ENTERED, 10766)
    assert entered.approved is None
    submitted = submit.sync(TENANT, client=officer,
                            body=models.SubmitMeasurementRequest(**figure))
    assert submitted.current.status == models.FigureStateStatus.SUBMITTED

    refused = approve.sync(TENANT, client=officer, body=models.ApproveMeasurementRequest(**figure))
    assert isinstance(refused, models.Problem)  # an officer does not approve
    assert (refused.status, refused.code) == (403, models.ProblemCode.PERMISSION_DENIED)
    approved = approve.sync(TENANT, client=chair, body=models.ApproveMeasurementRequest(**figure))
    assert (approved.approved.revision, approved.approved.status) == (
        3, models.FigureStateStatus.APPROVED)

    revisions = history.sync(TENANT, client=officer, **figure).revisions
    assert [(r.status, r.numerator, r.denominator, r.changed_by) for r in revisions] == [
        (models.RevisionStatus.ENTERED, 10766, 11154, "cb-vhxh-01"),
        (models.RevisionStatus.SUBMITTED, 10766, 11154, "cb-vhxh-01"),
        (models.RevisionStatus.APPROVED, 10766, 11154, "chu-tich-lung-phinh")]

    read = report.sync(TENANT, client=officer, period=figure["period"])
    assert isinstance(read, models.GetReportResponse), read
    row = next(r for r in read.rows if r.indicator == "e-health-records")
    assert (row.has_value, row.has_counts, row.numerator, row.denominator) == (
        True, True, 10766, 11154)
    assert row.value == 96.5  # as the indicator prints it (one decimal)
