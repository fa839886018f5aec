"""`commune topology`: every internal consumer's queue exists before anything publishes,
so events published before their consumer first starts wait for it (issue 14: the
seeded tasks' events reached an exchange with nothing bound and were gone)."""
import datetime as dt
import subprocess

import kombu
import pytest

from services.common.publisher import Publisher
from services.common.topology import consumer_queue
from services.tasks import domain
from services.topology import derive
from tests.helpers import BIN, env_for, start_worker, wait_for

pytestmark = pytest.mark.integration


def commune(settings, *args) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "commune"), *args], env=env_for(settings),
                          capture_output=True, text=True, timeout=120)


def created_events(count: int):
    now = dt.datetime.now(dt.UTC)
    for number in range(1, count + 1):
        document = domain.new_task({"tenant": "binh-lu", "code": f"TOPO-{number:02d}",
                                    "title": f"Nhiệm vụ {number:02d}"}, "test", now)
        yield from domain.arrival_events(document)


def test_events_published_before_the_worker_first_starts_reach_it(other_namespace, mongo):
    settings = other_namespace()
    first, again = commune(settings, "topology"), commune(settings, "topology")
    assert first.returncode == 0 and again.returncode == 0, first.stderr + again.stderr
    assert "11 consumer, 2 pipeline and 5 RPC queues" in again.stdout
    with kombu.Connection(settings.amqp_uri) as connection:
        channel = connection.channel()
        for queue in derive(settings.namespace).queues:
            channel.queue_declare(queue.name, passive=True)  # NotFound if missing

    publisher = Publisher(settings.amqp_uri, settings.namespace)
    for envelope in created_events(3):
        publisher.publish(envelope)
    publisher.close()

    kpi = start_worker(settings, "kpi")  # declares its queues the same way: no mismatch
    try:
        facts = mongo[f"{settings.namespace}_kpi"].task_facts
        wait_for(lambda: facts.count_documents({"tenant": "binh-lu"}) == 3, 120,
                 what="kpi to count the 3 tasks created before it started")
    finally:
        kpi.stop()


def test_a_queue_held_with_other_arguments_is_named(other_namespace):
    settings = other_namespace()
    queue = consumer_queue(settings.namespace, "kpi.on_task_created", "tasks", "task.created")
    with kombu.Connection(settings.amqp_uri) as connection:
        kombu.Queue(queue.name, durable=True)(connection.channel()).declare()  # classic
    answer = commune(settings, "topology")
    assert answer.returncode == 1
    assert f"queue '{queue.name}' exists with other settings" in answer.stderr
    assert "Traceback" not in answer.stderr

