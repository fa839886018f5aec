"""Event handlers in real processes on the real broker and database, fed raw messages:
malformed ones go to the dead-letter queue with their reason and the worker keeps
consuming; copies are handled once (the guard) or add nothing (keyed by the event id);
many events at once are all stored (pymongo under eventlet, concurrently)."""
import json

import pytest

from commune.v1 import events_pb2, tasks_pb2
from services.common.envelope import Envelope
from services.kpi.store import KpiStore
from tests.helpers import Broker, metric_value, start_worker, wait_for

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def kpi(settings):
    process = start_worker(settings, "kpi")
    yield process
    process.stop()


@pytest.fixture
def broker(settings):
    broker = Broker(settings)
    yield broker
    broker.close()


def task_created(tenant: str, task_id: str) -> Envelope:
    task = tasks_pb2.Task(id=task_id, tenant=tenant, code=task_id, title="Số hóa hồ sơ")
    return Envelope.wrap("task.created", "tasks", tenant, events_pb2.TaskCreated(task=task))


def facts(mongo, settings, tenant):
    """The created tasks kpi has recorded, folded from its inbox or not yet."""
    return KpiStore(mongo[f"{settings.namespace}_kpi"]).tasks_created(tenant)


def dead_letter_queue(settings):
    return f"{settings.namespace}.kpi.on_task_created.dead-letter"


def valid_event_is_still_counted(broker, mongo, settings, tenant):
    before = facts(mongo, settings, tenant)
    broker.publish("tasks", "task.created", task_created(tenant, f"after-{before}").to_json())
    wait_for(lambda: facts(mongo, settings, tenant) == before + 1,
             what="the worker to keep consuming")


@pytest.mark.parametrize("body, reason", [
    (b"\x00\xff not json", "body is not JSON"),
    (b'{"id": "1", "type": "task.created"}', "envelope: source: Field required"),
    (task_created("binh-lu", "t-schema").model_copy(update={"dataschema": "commune.v1.Task"})
     .to_json(), "dataschema 'commune.v1.Task', expected 'commune.v1.TaskCreated'"),
    (json.dumps({**json.loads(task_created("binh-lu", "t-data").to_json()),
                 "data": {"task": {"id": 5, "nope": True}}}).encode(),
     "data does not parse as commune.v1.TaskCreated"),
    (json.dumps({**json.loads(task_created("lung-phinh", "t-tenant").to_json()),
                 "tenant": "binh-lu"}).encode(),
     "task tenant 'lung-phinh' differs from envelope tenant 'binh-lu'"),
])
def test_malformed_events_are_dead_lettered_with_their_reason(kpi, broker, mongo, settings,
                                                              body, reason):
    broker.publish("tasks", "task.created", body, content_type="application/octet-stream")
    parked = broker.take(dead_letter_queue(settings))
    assert reason in parked.headers["x-dead-letter-reason"]
    assert parked.headers["x-original-queue"] == f"{settings.namespace}.kpi.on_task_created"
    assert parked.body == body
    assert kpi.popen.poll() is None
    valid_event_is_still_counted(broker, mongo, settings, "dlq-check")


def test_an_event_sent_for_another_tenant_than_its_envelope_is_dead_lettered(
        kpi, broker, mongo, settings):
    """The message header names the tenant too (Publisher sets it): the two must agree."""
    body = task_created("binh-lu", "t-header").to_json()
    broker.publish("tasks", "task.created", body, headers={"tenant": "lung-phinh"})
    parked = broker.take(dead_letter_queue(settings))
    assert "sent for tenant 'lung-phinh', envelope tenant 'binh-lu'" in \
        parked.headers["x-dead-letter-reason"]
    assert parked.body == body


def consumed(kpi, outcome: str) -> float:
    return metric_value(kpi.metrics(), "commune_kpi_events_consumed_total",
                        event_type="task.created", outcome=outcome)


def test_a_redelivered_event_is_counted_once(kpi, broker, mongo, settings):
    """kpi's task handlers store an inbox row keyed by the event id (keyed_by_event): a
    copy is handled again and adds nothing, without the guard's claim and mark."""
    event = task_created("redelivery", "t-1")
    broker.publish("tasks", "task.created", event.to_json())
    wait_for(lambda: facts(mongo, settings, "redelivery") == 1, what="the first delivery")
    handled = consumed(kpi, "handled")
    for _ in range(2):
        broker.publish("tasks", "task.created", event.to_json())
    wait_for(lambda: consumed(kpi, "handled") == handled + 2, what="both copies handled")
    assert facts(mongo, settings, "redelivery") == 1
    assert mongo[f"{settings.namespace}_kpi"].handled_events.count_documents(
        {"event_id": event.id}) == 0


@pytest.fixture(scope="module")
def iocevents(settings):
    process = start_worker(settings, "iocevents")
    yield process
    process.stop()


def test_copies_arriving_at_once_are_handled_once(iocevents, broker, settings):
    """A guarded handler (iocevents' task.overdue): three copies reach three concurrent
    workers; one claims the event, the others find it busy, are requeued, and then find
    it done."""
    def overdue(outcome):
        return metric_value(iocevents.metrics(), "commune_iocevents_events_consumed_total",
                            event_type="task.overdue", outcome=outcome)
    handled, duplicates = overdue("handled"), overdue("duplicate")
    task = tasks_pb2.Task(id="t-copies", tenant="simultaneous", code="KH-01", title="Việc")
    event = Envelope.wrap("task.overdue", "tasks", "simultaneous",
                          events_pb2.TaskOverdue(task=task))
    for _ in range(3):
        broker.publish("tasks", "task.overdue", event.to_json())
    wait_for(lambda: overdue("duplicate") == duplicates + 2,
             what="two copies to be recognised as duplicates")
    assert overdue("handled") == handled + 1


def test_concurrent_events_are_all_stored(kpi, broker, mongo, settings):
    """Many events in flight at once: the worker handles up to 10 concurrently on
    eventlet greenthreads, each hitting the database (pymongo 4.15 under eventlet)."""
    handled = consumed(kpi, "handled")
    events = [task_created("burst", f"burst-{i}") for i in range(300)]
    for event in events:
        broker.publish("tasks", "task.created", event.to_json())
    wait_for(lambda: facts(mongo, settings, "burst") == 300, timeout=60,
             what="all 300 facts to be stored")
    wait_for(lambda: consumed(kpi, "handled") == handled + 300, what="every event to be acked")
    assert broker.message_count(f"{settings.namespace}.kpi.on_task_created") == 0
