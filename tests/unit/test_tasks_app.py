"""The tasks use cases (app.py) over a mock store: what they store, announce and answer,
and that a caller the table refuses changes nothing (integration and e2e tests run them
for real)."""
import datetime as dt
from unittest import mock

import pytest

from services.common.api.operations import invoke, parse
from services.common.auth import Principal
from services.common.envelope import Envelope
from services.common.errors import InvalidArgument, PermissionDenied
from services.tasks import domain
from services.tasks.app import OPERATIONS, TasksApp
from tests import task_history as history

OFFICER = Principal("officer-1", "officer", frozenset({"binh-lu"}))
TASK = {"tenant": "binh-lu", "code": "NQ57-01", "title": "Số hóa hồ sơ",
        "leadUnit": "van-phong", "priority": "TASK_PRIORITY_HIGH"}


@pytest.fixture
def app():
    store = mock.Mock()
    store.directory.return_value = domain.Directory(frozenset({"van-phong"}))
    return TasksApp(store, events=mock.Mock())


def run(app, name, request, principal=OFFICER):
    operation = OPERATIONS[name]
    return invoke(app, operation, principal, parse(operation, request))


def test_create_stores_the_task_with_its_event_and_announces_it(app):
    task = run(app, "create_task", TASK)
    document, event = app.store.create.call_args.args
    assert isinstance(event, Envelope)
    assert (event.type, event.tenant, event.subject) == ("task.created", "binh-lu",
                                                         document["_id"])
    assert (document["lead_unit"], document["priority"]) == ("van-phong", "high")
    assert app.store.create.call_args.kwargs == {"announce": app.events}
    wire = task.wire()
    assert wire["id"] == document["_id"] and wire["createdBy"] == "officer-1"
    assert (wire["leadUnit"], wire["status"]) == ("van-phong", "TASK_STATUS_DRAFT")


def test_nothing_is_stored_when_the_table_refuses_the_caller(app):
    operator = Principal("ioc-1", "operator", frozenset({"binh-lu"}))
    with pytest.raises(PermissionDenied):
        run(app, "create_task", TASK, operator)
    with pytest.raises(PermissionDenied):
        run(app, "create_task", {**TASK, "tenant": "lung-phinh"})
    app.store.create.assert_not_called()


@pytest.mark.parametrize("request_, field", [
    ({"tenant": "binh-lu", "status": "finished"}, "status"),
    ({"tenant": "binh-lu", "colour": "red"}, "colour"),
    ({"tenant": "binh-lu", "lead_unit": "x", "pageSize": -1}, "pageSize"),
])
def test_list_requests_refuse_unknown_fields_and_values(request_, field):
    with pytest.raises(InvalidArgument) as refused:
        parse(OPERATIONS["list_tasks"], request_)
    assert field in refused.value.fields


def test_snake_case_names_are_read_too_and_periods_are_checked():
    request = parse(OPERATIONS["list_tasks"], {"tenant": "binh-lu", "lead_unit": "x",
                                                "period": "Quý I/2026"})
    assert (request.lead_unit, request.period) == ("x", "Quý I/2026")
    with pytest.raises(InvalidArgument, match="cannot read a period"):
        parse(OPERATIONS["list_tasks"], {"tenant": "binh-lu", "period": "sometime"})


def test_the_grpc_door_sends_the_contracts_messages(app):
    """A response model becomes the proto response: a task made from its message is sent
    as that message, a model made otherwise field by field; both as proto3 JSON reads."""
    from google.protobuf import json_format

    from commune.v1 import tasks_pb2
    from services.common.api.grpc_doors import to_message
    from services.tasks import schemas

    task = run(app, "create_task", TASK)
    response = schemas.ListTasksResponse(tasks=[task], next_page_token="t", total_size=1)
    sent = to_message(response, tasks_pb2.ListTasksResponse)
    assert sent.tasks[0] is not None and sent.tasks[0] == task._message
    rebuilt = schemas.ListTasksResponse.model_validate(response.wire())  # no messages
    assert to_message(rebuilt, tasks_pb2.ListTasksResponse) == sent
    assert json_format.MessageToDict(sent)["tasks"][0]["priority"] == "TASK_PRIORITY_HIGH"


def lived_task() -> dict:
    """A task due 31/03/2026, 30% done in March, given until 30/06 by the review on 10/04,
    done on 10/05: its history as the store keeps it."""
    directory = domain.Directory(frozenset({"van-phong"}), {"cb-vp-01": "van-phong"})
    return history.lived(
        {"tenant": "binh-lu", "code": "NQ57-01", "title": "Số hóa hồ sơ",
         "lead_unit": "van-phong", "owner": "cb-vp-01", "deadline": "2026-03-31",
         "deliverable": "Kho hồ sơ số"}, dt.datetime(2026, 1, 5, tzinfo=dt.UTC), directory,
        (dt.datetime(2026, 1, 5, 1, tzinfo=dt.UTC), history.assign("officer-1", directory)),
        (dt.datetime(2026, 3, 10, tzinfo=dt.UTC), history.progress("cb-vp-01", 30)),
        (dt.datetime(2026, 4, 10, tzinfo=dt.UTC), history.review(
            "bcd", directory, decision="adjust_deadline", deadline="2026-06-30")),
        (dt.datetime(2026, 5, 10, tzinfo=dt.UTC), history.status("cb-vp-01", "done")))


def test_a_summary_and_a_review_as_of_a_day_take_the_tasks_as_they_stood_then(app):
    doc = lived_task()
    # lists read tasks without their history; a reading as of a day reads it
    listed = {k: v for k, v in doc.items() if k != "history"}
    app.store.select.side_effect = lambda criteria: [d for d in [listed] if criteria.matches(d)]
    app.store.recorded.return_value = [doc]
    quarter = {"tenant": "binh-lu", "period": "Quý I/2026"}
    then = run(app, "get_task_summary", {**quarter, "asOf": "2026-04-01"}).wire()["total"]
    assert (then["assigned"], then["done"], then["overdue"]) == (1, 0, 1)
    # today its deadline is in Q2 and it is done: Q1 holds it no more
    assert run(app, "get_task_summary", quarter).wire()["total"]["assigned"] == 0
    [flagged] = run(app, "review_tasks", {"tenant": "binh-lu", "asOf": "2026-04-01"}
                    ).wire()["flagged"]
    assert flagged["flags"] == ["slow", "overdue"] and flagged["task"]["progressPercent"] == 30
    assert run(app, "review_tasks", {"tenant": "binh-lu"}).wire()["flagged"] == []
    listed = run(app, "list_tasks", {"tenant": "binh-lu", "period": "Quý II/2026",
                                     "asOf": "2026-04-01"}).wire()
    assert listed["tasks"] == []  # on 01/04 it was still due in Q1
