"""Each migrated worker's /openapi.json: it validates (openapi-spec-validator), it names
exactly the routes the worker serves, and its examples, sent as the document gives them,
are answered as it says; /docs is served from the installed swagger-ui-dist."""
import datetime as dt

import pytest
from openapi_spec_validator import validate

from services.common.api import openapi
from services.common.auth import issue_token
from services.iocevents import app as ioc
from services.iocevents.alerts import AlertBook, Silence
from services.iocevents.rules import Severity, Signal
from services.iocevents.service import IocService
from services.iocevents.store import IocStore
from services.tasks.app import OPERATIONS as TASKS
from services.tasks.service import TasksService
from services.tasks.store import TaskStore
from tests.api_doors import http_parts
from tests.e2e.conftest import OFFICERS, UNITS
from tests.helpers import http_call, http_json

pytestmark = pytest.mark.e2e

EXAMPLES = "openapi-examples"
# worker in the platform, its service class, its table
WORKERS = [pytest.param("tasks", TasksService, TASKS, id="tasks"),
           pytest.param("iocevents", IocService, ioc.OPERATIONS, id="iocevents")]


def class_routes(service_class) -> set[tuple[str, str]]:
    """(METHOD, path) of every @http entrypoint of a nameko service class."""
    routes = set()
    for name in dir(service_class):
        for entrypoint in getattr(getattr(service_class, name), "nameko_entrypoints", ()):
            if hasattr(entrypoint, "url"):
                routes.add((entrypoint.method,
                            entrypoint.url.replace("<", "{").replace(">", "}")))
    return routes


@pytest.fixture(scope="module")
def documents(platform):
    found = {}
    for worker in ("tasks", "iocevents"):
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
    # and the running worker answers each operation's route (without a token: 401)
    for op in operations:
        if op.http:
            method, path, body = http_parts(op, op.example)
            status, headers, _ = http_call(platform[worker], method, path, body)
            assert (status, headers["Content-Type"]) == (401, "application/problem+json")


def document_request(document: dict, operation) -> dict:
    """The operation's example request as the document gives it: path and query
    parameters' examples and the body's."""
    entry = document["paths"][operation.http.path][operation.http.method.lower()]
    request = {p["name"]: p["example"] for p in entry["parameters"] if "example" in p}
    body = entry.get("requestBody", {}).get("content", {}).get("application/json", {})
    return {**request, **body.get("example", {})}


@pytest.mark.parametrize("worker, service_class, operations", WORKERS[:1])
def test_every_example_is_answered_as_documented(settings, mongo, platform, documents,
                                                 worker, service_class, operations):
    """The examples in table order make a task's life: created, assigned, reported on,
    reviewed, done, then read, listed and summed up."""
    TaskStore(mongo[f"{settings.namespace}_tasks"]).load_directory(EXAMPLES, UNITS, OFFICERS)
    token = platform_token(settings)
    task_id = None
    for op in (op for op in operations if op.http):
        request = {**document_request(documents[worker], op), "tenant": EXAMPLES}
        if "id" in request and task_id:
            request["id"] = task_id
        method, path, body = http_parts(op, request)
        status, answer = http_json(platform[worker], method, path, body, token)
        assert status == op.http.status, (op.name, answer)
        op.response.model_validate(answer)
        if op.name == "create_task":
            task_id = answer["id"]
    _, got = http_json(platform[worker], "GET", f"/api/v1/communes/{EXAMPLES}/tasks/{task_id}",
                       None, token)
    assert got["task"]["status"] == "TASK_STATUS_DONE"
    assert got["task"]["progressPercent"] == 100


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


def test_the_api_browser_is_served_without_a_cdn(platform):
    status, headers, page = http_call(platform["tasks"], "GET", "/docs")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b"/docs/swagger-ui-bundle.js" in page and b"https://" not in page
    status, headers, script = http_call(platform["tasks"], "GET", "/docs/swagger-ui-bundle.js")
    assert status == 200 and headers["Content-Type"].startswith("text/javascript")
    assert b"SwaggerUIBundle" in script
    status, headers, _ = http_call(platform["tasks"], "GET", "/docs/..%2Fpackage.json")
    assert status == 404
