"""The gRPC process's read model on the real database and broker: it answers from
memory, and a task's event brings that task's change in."""
import datetime as dt

import pytest

from commune.v1 import events_pb2
from services.common.fanout import EventFanout
from services.tasks import domain
from services.tasks.listing import Criteria
from services.tasks.read_model import TaskReadModel
from services.tasks.store import TaskStore
from tests.helpers import Broker, wait_for

pytestmark = pytest.mark.integration

T0 = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
TENANT = "read-model-test"


@pytest.fixture
def store(mongo, settings):
    store = TaskStore(mongo[f"{settings.namespace}_tasks_read_model"])
    store.ensure_indexes()
    store.load_directory(TENANT, [{"code": "van-phong"}], [{"code": "cb-1", "unit": "van-phong"}])
    directory = store.directory(TENANT)
    for number in range(3):
        store.create(domain.new_task({"tenant": TENANT, "code": f"R-{number}", "title": "Việc",
                                      "lead_unit": "van-phong", "deadline": "2026-06-30"},
                                     "t", T0, directory))
    yield store
    store.db.client.drop_database(store.db.name)


@pytest.fixture
def fanout(settings):
    fanout = EventFanout(settings.amqp_uri, settings.namespace, "tasks", "task.#")
    yield fanout
    fanout.stop()


def titles(model: TaskReadModel) -> dict[str, str]:
    return {t["code"]: t["title"] for t in model.select(Criteria(TENANT))}


def retitle(store: TaskStore, code: str, title: str) -> dict:
    task = next(t for t in store.select(Criteria(TENANT)) if t["code"] == code)
    return store.apply(store.get(TENANT, task["_id"]), {"title": title},
                       {"at": T0, "by": "t", "what": "retitled"}, T0)


def test_a_change_shows_once_its_event_arrives(store, fanout, settings):
    model = TaskReadModel(store, fanout)
    fanout.start()
    assert titles(model) == {"R-0": "Việc", "R-1": "Việc", "R-2": "Việc"}

    changed = retitle(store, "R-1", "Việc đã sửa")
    assert titles(model)["R-1"] == "Việc"  # answered from memory: no event yet

    event = domain.event("task.status_changed", changed, events_pb2.TaskStatusChanged(
        task=domain.task_message(changed)))
    broker = Broker(settings)
    broker.publish("tasks", event.type, event.to_json())
    broker.close()
    wait_for(lambda: titles(model)["R-1"] == "Việc đã sửa", what="the change in the model")
    assert titles(model)["R-0"] == "Việc"


def test_another_communes_event_changes_nothing(store, fanout, settings):
    model = TaskReadModel(store, fanout)
    fanout.start()
    titles(model)
    r2 = retitle(store, "R-2", "Việc khác")
    r0 = retitle(store, "R-0", "Việc mới")
    stranger = {**r2, "tenant": "other-commune"}
    broker = Broker(settings)
    for task in (stranger, r0):  # one queue keeps their order
        event = domain.event("task.status_changed", task, events_pb2.TaskStatusChanged())
        broker.publish("tasks", event.type, event.to_json())
    broker.close()
    wait_for(lambda: titles(model)["R-0"] == "Việc mới", what="R-0's change in the model")
    assert titles(model)["R-2"] == "Việc"
