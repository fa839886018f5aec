"""TasksService with nameko's worker_factory: its dependencies are mocks, so this checks
only what the service does with them (integration and e2e tests run it for real)."""
from unittest import mock

import pytest
from nameko.testing.services import worker_factory

from services.common.auth import Principal
from services.common.envelope import Envelope
from services.common.errors import PermissionDenied
from services.tasks.service import TasksService

TASK = {"tenant": "binh-lu", "code": "NQ57-01", "title": "Số hóa hồ sơ"}


@pytest.fixture
def service():
    service = worker_factory(TasksService)
    service.auth.require.return_value = Principal("officer-1", "officer", frozenset({"binh-lu"}))
    return service


def test_create_stores_the_task_with_its_event_and_announces_it(service):
    view = service.create_task(TASK)
    service.auth.require.assert_called_once_with("binh-lu", ("admin", "officer"))
    document, event = service.store.create.call_args.args
    assert isinstance(event, Envelope)
    assert (event.type, event.tenant, event.subject) == ("task.created", "binh-lu",
                                                         document["_id"])
    assert event.data["task"]["code"] == "NQ57-01"
    assert service.store.create.call_args.kwargs == {"announce": service.events}
    assert view["id"] == document["_id"] and view["createdBy"] == "officer-1"


def test_nothing_is_stored_when_the_caller_may_not(service):
    service.auth.require.side_effect = PermissionDenied("no access")
    with pytest.raises(PermissionDenied):
        service.create_task(TASK)
    service.store.create.assert_not_called()


def test_a_non_object_task_is_checked_against_no_tenant(service):
    service.auth.require.side_effect = PermissionDenied("no access to commune ''")
    with pytest.raises(PermissionDenied):
        service.create_task("binh-lu")
    service.auth.require.assert_called_once_with("", mock.ANY)
