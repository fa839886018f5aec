"""Each migrated worker's /openapi.json: it validates (openapi-spec-validator), it names
exactly the routes the worker serves, and its examples, sent as the document gives them,
are answered as it says; /docs is served from the installed swagger-ui-dist."""
import datetime as dt
import io
import re

import openpyxl
import pytest
from openapi_spec_validator import validate

from services.assistant.app import OPERATIONS as ASSISTANT
from services.assistant.service import AssistantService
from services.common.api import openapi
from services.common.auth import issue_token
from services.iocevents import app as ioc
from services.iocevents.alerts import AlertBook, Silence
from services.iocevents.rules import Severity, Signal
from services.iocevents.service import IocService
from services.iocevents.store import IocStore
from services.kpi.app import OPERATIONS as KPI
from services.kpi.service import KpiService
from services.tasks.app import OPERATIONS as TASKS
from services.tasks.service import TasksService
from services.tasks.store import TaskStore
from services.trace import app as trace_app
from services.trace.app import OPERATIONS as TRACE
from services.trace.service import TraceService
from tests.api_doors import for_tenant, http_headers, http_parts
from tests.e2e.conftest import OFFICERS, TEST_PROVINCES, UNITS
from tests.helpers import http_call, http_json

pytestmark = pytest.mark.e2e

EXAMPLES = "openapi-examples"
# worker in the platform, its service class, its table
WORKERS = [pytest.param("tasks", TasksService, TASKS, id="tasks"),
           pytest.param("trace", TraceService, TRACE, id="trace"),
           pytest.param("assistant", AssistantService, ASSISTANT, id="assistant"),
           pytest.param("kpi", KpiService, KPI, id="kpi"),
           pytest.param("iocevents", IocService, ioc.OPERATIONS, id="iocevents")]
# kpi's examples in the order that takes a figure through approval (returned once)
KPI_LIFE = ("list_indicators", "enter_measurement", "submit_measurement",
            "return_measurement", "submit_measurement", "approve_measurement",
            "measurement_history", "set_target", "set_province_target",
            "record_dossier_events", "dossier_table", "get_report", "get_village_report",
            "get_counts")


def class_routes(service_class) -> set[tuple[str, str]]:
    """(METHOD, path) of every @http entrypoint of a nameko service class."""
    routes = set()
    for name in dir(service_class):
        for entrypoint in getattr(getattr(service_class, name), "nameko_entrypoints", ()):
            if hasattr(entrypoint, "url"):  # <path:lot> is {lot}
                routes.add((entrypoint.method,
                            re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", entrypoint.url)))
    return routes


@pytest.fixture(scope="module")
def documents(platform):
    found = {}
    for worker in (param.values[0] for param in WORKERS):
        status, document = http_json(platform[worker], "GET", openapi.DOCUMENT_PATH)
        assert status == 200
        found[worker] = document
    return found


@pytest.mark.parametrize("worker, service_class, operations", WORKERS)
def test_the_document_validates_and_covers_every_route(platform, documents, worker,
                                                       service_class, operations):
    document = documents[worker]
    validate(document)
    assert document["openapi"] == "3.1.0"
    assert openapi.served_routes(document) == class_routes(service_class)
    # and the running worker answers each operation's route (without a token: 401,
    # unless the operation is public)
    for op in operations:
        if op.http:
            method, path, body = http_parts(op, op.example)
            status, headers, _ = http_call(platform[worker], method, path, body,
                                           headers=http_headers(op))
            if op.public:
                assert status != 401, op.name
            else:
                assert (status, headers["Content-Type"]) == (401, "application/problem+json")


def document_request(document: dict, operation) -> dict:
    """The operation's example request as the document gives it: path and query
    parameters' examples and the body's."""
    entry = document["paths"][operation.http.path][operation.http.method.lower()]
    request = {p["name"]: p["example"] for p in entry["parameters"] if "example" in p}
    body = entry.get("requestBody", {}).get("content", {}).get("application/json", {})
    return {**request, **body.get("example", {})}


def test_every_tasks_example_is_answered_as_documented(settings, mongo, platform, documents):
    """The examples in table order make a task's life: created, assigned, reported on,
    reviewed, done, then read, listed and summed up."""
    worker, operations = "tasks", TASKS
    TaskStore(mongo[f"{settings.namespace}_tasks"]).load_directory(EXAMPLES, UNITS, OFFICERS)
    token = platform_token(settings)
    task_id = None
    for op in (op for op in operations if op.http):
        request = {**document_request(documents[worker], op), "tenant": EXAMPLES}
        if "id" in request and task_id:
            request["id"] = task_id
        method, path, body = http_parts(op, request)
        status, headers, content = http_call(platform[worker], method, path, body, token,
                                             http_headers(op))
        assert status == op.http.status, (op.name, content)
        if op.http.download:  # a workbook, which opens
            assert headers["Content-Type"] == op.http.download
            assert openpyxl.load_workbook(io.BytesIO(content)).sheetnames == ["Nhiệm vụ",
                                                                              "Tổng hợp"]
            continue
        answer = op.response.model_validate_json(content)
        if op.name == "create_task":
            task_id = answer.id
        if op.name == "import_tasks":
            assert [r.outcome for r in answer.rows] == ["created"]
    _, got = http_json(platform[worker], "GET", f"/api/v1/communes/{EXAMPLES}/tasks/{task_id}",
                       None, token)
    assert got["task"]["status"] == "TASK_STATUS_DONE"
    assert got["task"]["progressPercent"] == 100


def test_every_trace_example_is_answered_as_documented(settings, mongo, platform,
                                                       documents):
    """The trace examples in table order make a batch's life: its producer, area and
    product, the batch, an event typed in and one captured, then its provenance, export,
    verification and scans."""
    batch = f"0{trace_app.GTIN}:{trace_app.LOT}"
    db = mongo[f"{settings.namespace}_trace"]
    # GTINs and batches are the platform's, not a commune's: the access matrix's commune
    # may hold the example's product and batch already
    db.products.delete_one({"_id": f"0{trace_app.GTIN}"})
    for collection, key in (("batches", "_id"), ("provenance", "_id"), ("links", "batch")):
        db[collection].delete_many({key: batch})
    token = platform_token(settings)
    answers = {}
    for op in (op for op in TRACE if op.http):
        request = for_tenant(document_request(documents["trace"], op), EXAMPLES)
        method, path, body = http_parts(op, request)
        status, answer = http_json(platform["trace"], method, path, body, token)
        assert status == op.http.status, (op.name, answer)
        answers[op.name] = op.response.model_validate(answer)
    assert answers["capture_epcis"].captured == 1
    assert [t.step for t in answers["get_batch_provenance"].timeline] == ["inspecting"] * 2
    assert answers["verify_batch"].verification.intact


def test_every_ioc_example_is_answered_as_documented(settings, mongo, platform, documents):
    """The examples in table order, on an open alert and a silence in force that the
    examples name: read, acknowledged; a rule saved then deleted; a silence saved, another
    ended; the registry and the watchlist saved and read back."""
    store = IocStore(mongo[f"{settings.namespace}_iocevents"])
    now = dt.datetime.now(dt.UTC)
    alert = AlertBook().apply(Signal(
        tenant=EXAMPLES, rule_id="traffic-violation", subject="cho-binh-lu",
        severity=Severity.LOW, title="Vi phạm giao thông", at=now,
        fold_window=dt.timedelta(minutes=30), location="cho-binh-lu",
        device="cam-cho-binh-lu-1", kind="traffic_violation", detection_id="d-1"), now)
    store.write_alerts([{**alert.document(), "_id": ioc.ALERT_ID, "id": ioc.ALERT_ID}])
    silence = ioc.OPERATIONS["end_silence"].example["id"]
    store.save_silence(EXAMPLES, Silence(
        id=silence, reason="Bảo trì camera chợ", starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=1), locations=["cho-binh-lu"]).model_dump(mode="json"))
    token, answers = platform_token(settings), {}
    for op in (op for op in ioc.OPERATIONS if op.http):
        request = {**document_request(documents["iocevents"], op), "tenant": EXAMPLES}
        method, path, body = http_parts(op, request)
        status, answers[op.name] = http_json(platform["iocevents"], method, path, body, token)
        assert status == op.http.status, (op.name, answers[op.name])
        op.response.model_validate(answers[op.name])
    assert answers["move_alert"]["acknowledgedBy"] == "openapi-examples"
    assert dt.datetime.fromisoformat(answers["end_silence"]["endsAt"]) < now + dt.timedelta(hours=1)
    _, registry = http_json(platform["iocevents"], "GET",
                            f"/api/v1/communes/{EXAMPLES}/ioc/registry", None, token)
    assert registry["cameras"][0]["expectedIntervalS"] == 300


def platform_token(settings) -> str:
    return issue_token(settings, "openapi-examples", "admin", [EXAMPLES])


def test_the_assistants_examples_are_answered_as_documented(settings, mongo, platform,
                                                            documents):
    """The examples in table order as a citizen and an officer use them: ask, feedback
    on that answer, a handoff, a procedure read, a dossier checked, the wording listed,
    reviewed and edited (as shipped: the access matrix edits the same commune's); the
    handoff listed, claimed, answered and closed, its reply read by the kiosk, the
    answers' trail."""
    tenant = ASSISTANT["ask"].example["tenant"]
    mongo[f"{settings.namespace}_assistant"].wording.delete_many({"tenant": tenant})
    token = issue_token(settings, "openapi-examples", "officer", [tenant])
    trace_id = ticket_id = None
    for op in (op for op in ASSISTANT if op.http):
        request = document_request(documents["assistant"], op)
        if "traceId" in request:
            request["traceId"] = trace_id
        if "ticketId" in request:
            request["ticketId"] = ticket_id
        method, path, body = http_parts(op, request)
        status, answer = http_json(platform["assistant"], method, path, body,
                                   "" if op.public else token)
        assert status == op.http.status, (op.name, answer)
        op.response.model_validate(answer)
        if op.name == "ask":
            trace_id = answer["answer"]["traceId"]
        if op.name == "handoff":
            ticket_id = answer["ticketId"]
        if op.name == "get_handoff_reply":
            assert (answer["status"], answer["reply"]) == (
                "closed", ASSISTANT["answer_handoff"].example["text"])


def test_every_kpi_example_is_answered_as_documented(settings, platform, documents):
    """The examples (KPI_LIFE's order) take a figure through approval, set a commune's and
    a province's target, record a dossier, and read it all back."""
    assert set(KPI_LIFE) == {op.name for op in KPI if op.http}  # every example is sent
    token = platform_token(settings)
    answers = {}
    for name in KPI_LIFE:
        op = KPI[name]
        tenant = TEST_PROVINCES[EXAMPLES] if op.scope == "province" else EXAMPLES
        request = {**document_request(documents["kpi"], op), "tenant": tenant}
        method, path, body = http_parts(op, request)
        status, answer = http_json(platform["kpi"], method, path, body, token)
        assert status == op.http.status, (name, answer)
        op.response.model_validate(answer)
        answers[name] = answer
    history = answers["measurement_history"]["revisions"]
    assert [(r["action"], r["status"]) for r in history] == [
        ("entered", "entered"), ("submit", "submitted"), ("return", "entered"),
        ("submit", "submitted"), ("approve", "approved")]
    assert answers["approve_measurement"]["approved"]["numerator"] == 900
    rows = {r["indicator"]: r for r in answers["get_report"]["rows"]}
    assert (rows["online-dossiers"]["numerator"], rows["online-dossiers"]["value"]) == (900,
                                                                                       99.78)
    assert rows["e-health-records"]["target"]["value"] == 100  # the province's own
    assert answers["dossier_table"]["total"]["received"] == 1


def test_the_api_browser_is_served_without_a_cdn(platform):
    status, headers, page = http_call(platform["tasks"], "GET", "/docs")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b"/docs/swagger-ui-bundle.js" in page and b"https://" not in page
    status, headers, script = http_call(platform["tasks"], "GET", "/docs/swagger-ui-bundle.js")
    assert status == 200 and headers["Content-Type"].startswith("text/javascript")
    assert b"SwaggerUIBundle" in script
    status, headers, _ = http_call(platform["tasks"], "GET", "/docs/..%2Fpackage.json")
    assert status == 404
