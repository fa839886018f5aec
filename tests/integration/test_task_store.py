"""The task store on the real database: filters and paging, overdue, and concurrent
writers of one task (one wins each version; nothing is lost)."""
import datetime as dt
import threading

import pytest

from commune.v1 import events_pb2
from services.common.errors import FailedPrecondition
from services.common.periods import Period
from services.common.publisher import Publisher
from services.tasks import domain
from services.tasks.listing import Criteria
from services.tasks.store import TaskStore

pytestmark = pytest.mark.integration

T0 = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
TENANT = "store-test"


@pytest.fixture(scope="module")
def store(mongo, settings):
    store = TaskStore(mongo[f"{settings.namespace}_tasks_store"])
    store.ensure_indexes()
    store.load_directory(TENANT, [{"code": "van-phong"}, {"code": "phong-vhxh"}],
                         [{"code": "cb-1", "unit": "van-phong"}])
    directory = store.directory(TENANT)
    for number, (deadline, unit) in enumerate([("2026-03-31", "van-phong"),
                                               ("2026-06-30", "van-phong"),
                                               ("2026-06-30", "phong-vhxh"),
                                               ("2026-12-31", "van-phong")]):
        document = domain.new_task({"tenant": TENANT, "code": f"S-{number}", "title": "Việc",
                                    "lead_unit": unit, "owner": "cb-1" if unit == "van-phong"
                                    else "", "deadline": deadline}, "t", T0, directory)
        if document["owner"]:
            changes, entry = domain.assign(document, "t", T0, directory)
            document = {**document, **changes, "history": document["history"] + [entry]}
        store.create(document)
    return store


def codes(store, **filters):
    """The codes the database selects, after checking that the in-memory filter of the
    gRPC read model selects the same tasks."""
    criteria = Criteria(TENANT, **filters)
    rows, _, total = store.page(criteria, 50, "")
    assert total == len(rows)
    in_memory = [t["code"] for t in store.select(Criteria(TENANT)) if criteria.matches(t)]
    assert sorted(in_memory) == sorted(r["code"] for r in rows)
    return [r["code"] for r in rows]


def test_filters_by_unit_status_period_and_overdue(store):
    assert codes(store, lead_unit="phong-vhxh") == ["S-2"]
    assert codes(store, status="draft") == ["S-2"]
    assert codes(store, period=Period("quarter", 2026, 2)) == ["S-1", "S-2"]
    assert codes(store, overdue_on=dt.date(2026, 7, 1)) == ["S-0", "S-1"]  # S-2 is a draft
    assert codes(store, status="done", overdue_on=dt.date(2026, 7, 1)) == []


def test_pages_follow_each_other_in_deadline_order(store):
    first, token, total = store.page(Criteria(TENANT), 3, "")
    second, last_token, _ = store.page(Criteria(TENANT), 3, token)
    assert total == 4 and last_token == ""
    assert [r["code"] for r in first + second] == ["S-0", "S-1", "S-2", "S-3"]


def test_concurrent_writers_of_one_task_lose_nothing(store):
    listed = store.page(Criteria(TENANT, lead_unit="van-phong"), 1, "")[0][0]
    task = store.get(TENANT, listed["_id"])
    writers, wins_each = 6, 2
    outcomes = []

    def write(worker: int):
        # A refusal means another writer's change went in: each gets its turn, however
        # the threads are scheduled (a fixed number of attempts each was not enough on
        # a loaded machine, where one change can refuse a writer several times).
        won = 0
        for _ in range(200):
            if won == wins_each:
                return
            current = store.get(TENANT, task["_id"])
            try:
                changes, entry = domain.report_progress(
                    current, {"percent": min(100, current["progress"] + 1)}, f"w{worker}", T0)
                store.apply(current, changes, entry, T0)
                won += 1
                outcomes.append("won")
            except FailedPrecondition:
                outcomes.append("refused")
    workers = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    final = store.get(TENANT, task["_id"])
    won = outcomes.count("won")
    assert won == writers * wins_each
    # every write that was told it succeeded is in the task: none lost
    assert final["version"] == task["version"] + won
    assert len(final["progress_log"]) == won
    assert len(final["history"]) == len(task["history"]) + won


def test_sending_a_changes_events_leaves_the_task_as_written(store, settings):
    """The send deletes the event's listing and does not write the task (an update scans
    the collection on FerretDB): the version stays the change's, and the next change
    trims the sent event from the task's outbox."""
    listed = store.page(Criteria(TENANT, lead_unit="van-phong"), 1, "")[0][0]
    read = store.get(TENANT, listed["_id"])
    event = domain.event("task.overdue", read, events_pb2.TaskOverdue(
        task=domain.task_message(read)))
    changes, entry = domain.report_progress(read, {"percent": read["progress"]}, "cb-1", T0)
    publisher = Publisher(settings.amqp_uri, settings.namespace)
    try:
        stored = store.apply(read, changes, entry, T0, event, announce=publisher)
    finally:
        publisher.close()
    assert store.get(TENANT, stored["_id"])["version"] == stored["version"]
    assert store.db.outbox_pending.find_one({"_id": event.id}) is None

    changes, entry = domain.report_progress(stored, {"percent": 100}, "cb-1", T0)
    assert store.apply(stored, changes, entry, T0)["progress"] == 100
    assert store.db.tasks.find_one({"_id": stored["_id"]})["outbox"] == {}


def test_a_change_read_before_another_change_is_refused(store):
    listed = store.page(Criteria(TENANT, lead_unit="van-phong"), 1, "")[0][0]
    read = store.get(TENANT, listed["_id"])
    first, entry = domain.report_progress(read, {"percent": read["progress"]}, "cb-1", T0)
    store.apply(read, first, entry, T0)
    stale, entry = domain.report_progress(read, {"percent": read["progress"]}, "cb-1", T0)
    with pytest.raises(FailedPrecondition, match="changed meanwhile"):
        store.apply(read, stale, entry, T0)
