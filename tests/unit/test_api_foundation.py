"""The shared pieces of the application layer (services/common/api, paging, periods):
problem bodies, the one role check, the paging rule, the proto Period conversion, and
what a caller sees of a failure nobody planned for."""
import datetime as dt

import amqp.exceptions
import kombu.exceptions
import pymongo.errors
import pytest
from google.rpc import code_pb2
from structlog.testing import capture_logs

from services.common import clock, errors, paging, periods
from services.common.api import problems
from services.common.api.models import TenantRequest
from services.common.api.operations import Operation, Operations, Route, authorize
from services.common.auth import Principal
from services.common.grpc_ext.interceptors import to_status
from services.tasks import schemas as tasks_schemas

READ = Operation("read", "read", TenantRequest, TenantRequest, ("officer",),
                 Route("GET", "/api/v1/communes/{tenant}/things"))
PUBLIC = Operation("look", "look", TenantRequest, TenantRequest, (), public=True)


def test_a_field_error_is_a_problem_naming_the_field_as_clients_spell_it():
    body = problems.from_error(errors.InvalidArgument("bad", {"lead_unit": "unknown unit"}))
    assert body == {"type": "about:blank", "title": "Bad request", "status": 400,
                    "detail": "bad", "code": "INVALID_ARGUMENT", "field": "leadUnit",
                    "fields": {"leadUnit": "unknown unit"}}
    assert problems.from_error(errors.FailedPrecondition("closed"))["status"] == 409


def test_an_unexpected_failure_answers_an_id_and_logs_the_exception():
    failure = KeyError("secret internals")
    with capture_logs() as logged:
        body = problems.unexpected(failure)
    assert (body["status"], body["code"]) == (500, "INTERNAL")
    assert "secret" not in body["detail"] and body["errorId"] in body["detail"]
    [entry] = logged
    assert (entry["error_id"], entry["exc_info"], entry["log_level"]) == (
        body["errorId"], failure, "error")
    # gRPC callers get the same: INTERNAL with the id, not the text
    status = to_status(problems.internal_error(ValueError("db password wrong")))
    assert status.code == code_pb2.INTERNAL and "password" not in status.message


@pytest.mark.parametrize("failure, server", [
    (pymongo.errors.AutoReconnect("connection closed 127.0.0.1:27017"), "the database"),
    (pymongo.errors.ServerSelectionTimeoutError("no servers"), "the database"),
    (kombu.exceptions.OperationalError("[Errno 111] Connection refused"), "the broker"),
    # what py-amqp raises when the broker shuts down: no OSError, no kombu error
    (amqp.exceptions.ConnectionForced("CONNECTION_FORCED - broker forced connection closure"),
     "the broker")])
def test_a_server_out_of_reach_is_unavailable_not_an_internal_error(failure, server):
    """A database or broker outage: 503 UNAVAILABLE, which clients retry (it answered 500
    with an error id before, as if something unplanned had happened)."""
    body = problems.unexpected(failure)
    assert (body["status"], body["code"]) == (503, "UNAVAILABLE")
    assert body["detail"] == f"{server} cannot be reached now; try again shortly"
    assert "errorId" not in body and "127.0.0.1" not in body["detail"]
    assert to_status(problems.failure(failure)).code == code_pb2.UNAVAILABLE


@pytest.mark.parametrize("principal, tenant, refused", [
    (Principal("a", "officer", frozenset({"binh-lu"})), "binh-lu", None),
    (Principal("a", "officer", frozenset({"binh-lu"})), "lung-phinh", errors.PermissionDenied),
    (Principal("a", "citizen", frozenset({"binh-lu"})), "binh-lu", errors.PermissionDenied),
    (None, "binh-lu", errors.Unauthenticated),
])
def test_authorize_is_the_tables_word(principal, tenant, refused):
    if refused is None:
        authorize(principal, READ, tenant)
    else:
        with pytest.raises(refused):
            authorize(principal, READ, tenant)
    authorize(None, PUBLIC, tenant)  # public: no caller needed


PROVINCE_READ = Operation("report", "report", TenantRequest, TenantRequest, ("province",),
                          scope="province")
LAO_CAI = {"lao-cai": ("lung-phinh", "ta-van"), "lung-phinh": ("lung-phinh",),
           "ta-van": ("ta-van",), "empty": ()}


@pytest.mark.parametrize("tenants, tenant, refused", [
    ({"lung-phinh", "ta-van"}, "lao-cai", None),
    ({"lung-phinh", "ta-van"}, "ta-van", None),
    ({"lung-phinh"}, "lao-cai", errors.PermissionDenied),  # not all of its communes
    ({"lao-cai"}, "lao-cai", errors.PermissionDenied),  # tokens name communes
    ({"lung-phinh"}, "empty", errors.PermissionDenied),
])
def test_a_province_stands_for_all_of_its_communes(tenants, tenant, refused):
    principal = Principal("so-khcn", "province", frozenset(tenants))
    if refused is None:
        authorize(principal, PROVINCE_READ, tenant, LAO_CAI.__getitem__)
    else:
        with pytest.raises(refused):
            authorize(principal, PROVINCE_READ, tenant, LAO_CAI.__getitem__)
    with pytest.raises(errors.PermissionDenied):  # the role still counts
        authorize(Principal("cb", "officer", frozenset(tenants)), PROVINCE_READ, tenant,
                  LAO_CAI.__getitem__)


def test_operation_names_are_unique_and_routes_map_to_werkzeug():
    with pytest.raises(AssertionError):
        Operations("x", READ, READ)
    assert READ.http.path_params == ["tenant"]
    assert READ.http.werkzeug_path == "/api/v1/communes/<tenant>/things"
    lots = Route("GET", "/b/{gtin}/{lot}/epcis", slashes=("lot",))  # a GS1 lot may hold '/'
    assert lots.werkzeug_path == "/b/<gtin>/<path:lot>/epcis"
    assert lots.path_params == ["gtin", "lot"]


def test_one_paging_rule():
    rows = list(range(120))
    first, token, total = paging.page(rows, 0, "")
    assert (len(first), total) == (paging.DEFAULT_PAGE_SIZE, 120)
    second, last_token, _ = paging.page(rows, 100, token)
    assert second == rows[50:120] and last_token == ""
    assert len(paging.page(list(range(500)), 1000, "")[0]) == paging.MAX_PAGE_SIZE
    with pytest.raises(errors.InvalidArgument) as bad:
        paging.page(rows, 10, "not-ours")
    assert bad.value.fields == {"pageToken": "invalid"}
    with pytest.raises(errors.InvalidArgument):
        paging.page(rows, -1, "")


def test_the_contracts_period_in_proto_json():
    assert periods.from_proto_json({"kind": "PERIOD_KIND_QUARTER", "year": 2026,
                                    "number": 3}) == periods.Period("quarter", 2026, 3)
    assert periods.from_proto_json({}) is None
    with pytest.raises(errors.InvalidArgument):
        periods.from_proto_json({"kind": "PERIOD_KIND_MONTH", "year": 2026, "number": 13})


def test_times_are_answered_to_the_millisecond_the_database_keeps():
    moment = dt.datetime(2026, 6, 1, 3, 0, 0, 123456, tzinfo=dt.UTC)
    task = tasks_schemas.Task(id="x", tenant="binh-lu", code="c", title="t",
                              status="TASK_STATUS_DRAFT", create_time=moment)
    assert task.wire()["createTime"] == "2026-06-01T03:00:00.123000Z"
    assert clock.now().microsecond % 1000 == 0
