"""The read model's bookkeeping, with the store and the event feed played by fakes: it
reads a commune once, re-reads only the tasks events name, and reads everything again
after a gap in the events."""
import datetime as dt

from services.common.envelope import Envelope
from services.tasks.listing import Criteria
from services.tasks.read_model import TaskReadModel


class FakeStore:
    def __init__(self, *tasks: dict):
        self.tasks = {t["_id"]: t for t in tasks}
        self.full_reads = 0
        self.single_reads: list[str] = []

    def select(self, criteria: Criteria) -> list[dict]:
        self.full_reads += 1
        return [t for t in self.tasks.values() if criteria.matches(t)]

    def listed(self, tenant: str, task_id: str) -> dict | None:
        self.single_reads.append(task_id)
        return self.tasks.get(task_id)


class FakeFanout:
    def listen(self, on_event, on_gap):
        self.on_event, self.on_gap = on_event, on_gap


def task(task_id: str, tenant: str = "a", status: str = "draft") -> dict:
    return {"_id": task_id, "tenant": tenant, "code": task_id, "status": status,
            "lead_unit": "", "group": "", "deadline": None}


def changed(task_id: str, tenant: str = "a") -> Envelope:
    return Envelope(id=f"e-{task_id}", type="task.status_changed", source="tasks",
                    tenant=tenant, subject=task_id, time=dt.datetime.now(dt.UTC),
                    dataschema="commune.v1.TaskStatusChanged", data={})


def statuses(model: TaskReadModel, tenant: str = "a") -> dict[str, str]:
    return {t["_id"]: t["status"] for t in model.select(Criteria(tenant))}


def test_a_commune_is_read_once_then_only_the_changed_tasks():
    store, fanout = FakeStore(task("1"), task("2")), FakeFanout()
    model = TaskReadModel(store, fanout)
    assert statuses(model) == {"1": "draft", "2": "draft"}
    store.tasks["2"] = task("2", status="assigned")
    store.tasks["3"] = task("3")
    assert statuses(model) == {"1": "draft", "2": "draft"}  # no event yet
    fanout.on_event(changed("2"))
    fanout.on_event(changed("3"))
    assert statuses(model) == {"1": "draft", "2": "assigned", "3": "draft"}
    assert store.full_reads == 1 and sorted(store.single_reads) == ["2", "3"]


def test_a_task_gone_from_the_database_leaves_the_model():
    store, fanout = FakeStore(task("1"), task("2")), FakeFanout()
    model = TaskReadModel(store, fanout)
    statuses(model)
    del store.tasks["1"]
    fanout.on_event(changed("1"))
    assert statuses(model) == {"2": "draft"}


def test_events_of_communes_not_yet_read_cost_nothing():
    store, fanout = FakeStore(task("1", tenant="b")), FakeFanout()
    model = TaskReadModel(store, fanout)
    fanout.on_event(changed("1", tenant="b"))
    assert statuses(model, "b") == {"1": "draft"}
    assert store.single_reads == []


def test_after_a_gap_every_commune_is_read_again():
    store, fanout = FakeStore(task("1")), FakeFanout()
    model = TaskReadModel(store, fanout)
    statuses(model)
    store.tasks["1"] = task("1", status="done")  # its event was lost with the connection
    fanout.on_gap()
    assert statuses(model) == {"1": "done"}
    assert store.full_reads == 2
