"""The outbox on the real broker and database: an event goes out once after its write
and leaves no listing; a broker outage or a process killed between write and send
leaves the listing, and the relay sends the event later; a document's events go out in
the order they were written."""
import datetime as dt
import subprocess
import sys

import pytest

from commune.v1 import events_pb2, tasks_pb2
from services.common import outbox
from services.common.clock import now
from services.common.envelope import Envelope
from services.common.outbox import LISTINGS, Outbox
from services.common.publisher import Publisher
from tests.helpers import ROOT, Broker, env_for

pytestmark = pytest.mark.integration

UNREACHABLE = "amqp://guest:guest@127.0.0.1:1/"


@pytest.fixture
def db(mongo, settings):
    database = mongo[f"{settings.namespace}_outbox"]
    yield database
    mongo.drop_database(database.name)


@pytest.fixture
def broker(settings):
    broker = Broker(settings)
    yield broker
    broker.close()


@pytest.fixture
def publisher(settings):
    publisher = Publisher(settings.amqp_uri, settings.namespace)
    yield publisher
    publisher.close()


@pytest.fixture
def down(settings):
    publisher = Publisher(UNREACHABLE, settings.namespace)
    yield publisher
    publisher.close()


def event(task_id: str) -> Envelope:
    return Envelope.wrap("task.created", "tasks", "binh-lu",
                         events_pb2.TaskCreated(task=tasks_pb2.Task(id=task_id, tenant="binh-lu")))


def write(db, document_id: str, *events: Envelope) -> outbox.Recorded:
    """A business write as the services make it: listed first, then stored with the
    change (a new document, or the next version of one)."""
    stored = db.docs.find_one({"_id": document_id}) or {}
    recorded = Outbox(db).record("docs", document_id, *events, stored=stored.get("outbox"))
    db.docs.replace_one({"_id": document_id}, {"version": stored.get("version", 0) + 1,
                                               **recorded.fields}, upsert=True)
    return recorded


def taken_ids(broker, queue) -> list[str]:
    """Every message the queue holds now (publishes are confirmed, so all have arrived)."""
    ids = []
    while (message := queue.get(no_ack=True)) is not None:
        ids.append(Envelope.parse(message.body).id)
    return ids


def test_an_event_goes_out_once_after_its_write_and_leaves_no_listing(db, broker, publisher):
    queue = broker.capture("tasks", "task.created")
    sent = event("t-once")
    assert Outbox(db).send(write(db, "d-once", sent), publisher) == 1

    assert Envelope.parse(broker.take(queue).body).id == sent.id
    assert db[LISTINGS].count_documents({}) == 0
    assert Outbox(db).relay(publisher, older_than=dt.timedelta(0)) == 0
    assert taken_ids(broker, queue) == []
    # the sent event stays in its document (no update of the business collection)
    assert sent.id in db.docs.find_one({"_id": "d-once"})["outbox"]


def test_an_outage_leaves_the_listing_and_the_relay_sends_the_event_later(db, broker,
                                                                          publisher, down):
    queue = broker.capture("tasks", "task.created")
    late = event("t-outage")
    assert Outbox(db).send(write(db, "d-outage", late), down) == 0
    assert db[LISTINGS].find_one({"_id": late.id})["document"] == "d-outage"

    gauge = outbox.unsent.labels(db[LISTINGS].full_name)
    # within the grace the relay leaves it to the send that follows a write
    assert Outbox(db).relay(publisher) == 0
    assert Outbox(db).relay(down, older_than=dt.timedelta(0)) == 0
    assert gauge._value.get() == 1  # what the 'outbox left unsent' alert reads

    assert Outbox(db).relay(publisher, older_than=dt.timedelta(0)) == 1
    assert taken_ids(broker, queue) == [late.id]
    assert db[LISTINGS].count_documents({}) == 0
    assert gauge._value.get() == 0


def test_a_process_killed_between_write_and_send_leaves_the_event_to_the_relay(
        db, broker, publisher, settings):
    queue = broker.capture("tasks", "task.created")
    script = f"""
import os, signal, pymongo
from tests.integration.test_outbox import event, write
db = pymongo.MongoClient({settings.mongo_uri!r}, tz_aware=True)[{db.name!r}]
recorded = write(db, "d-killed", event("t-killed"))
print(recorded.events[0].id, flush=True)
os.kill(os.getpid(), signal.SIGKILL)  # before the send
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env_for(settings),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == -9, done.stderr
    written = done.stdout.strip()
    assert written in db.docs.find_one({"_id": "d-killed"})["outbox"]

    assert Outbox(db).relay(publisher, older_than=dt.timedelta(0)) == 1
    assert taken_ids(broker, queue) == [written]


def test_a_documents_events_go_out_in_the_order_they_were_written(db, broker, publisher,
                                                                    down):
    queue = broker.capture("tasks", "task.created")
    first, second, third = event("t-1"), event("t-2"), event("t-3")
    assert Outbox(db).send(write(db, "d-order", first), down) == 0
    # the next write's send publishes the unsent one first rather than overtake it
    assert Outbox(db).send(write(db, "d-order", second, third), publisher) == 3
    assert taken_ids(broker, queue) == [first.id, second.id, third.id]
    assert db[LISTINGS].count_documents({}) == 0
    # and the write after keeps only its own event: the sent ones are trimmed
    fourth, fifth = event("t-4"), event("t-5")
    recorded = write(db, "d-order", fourth)
    assert list(recorded.fields["outbox"]) == [fourth.id]
    assert Outbox(db).send(recorded, down) == 0
    assert Outbox(db).send(write(db, "d-order", fifth), down) == 0
    # a relay pass sends what the outage left, in the order it was written
    assert Outbox(db).relay(publisher, older_than=dt.timedelta(0)) == 2
    assert taken_ids(broker, queue) == [fourth.id, fifth.id]


def test_listings_of_writes_that_never_happened_are_dropped_after_a_while(db, publisher):
    listing = {"collection": "docs", "document": "d-gone", "n": 0}
    db[LISTINGS].insert_many([
        {**listing, "_id": "recent", "at": now() - dt.timedelta(minutes=1)},
        {**listing, "_id": "abandoned", "at": now() - outbox.ABANDONED - dt.timedelta(
            minutes=1)}])
    assert Outbox(db).relay(publisher, older_than=dt.timedelta(0)) == 0
    assert [row["_id"] for row in db[LISTINGS].find({})] == ["recent"]


def test_a_cancelled_write_leaves_no_listing(db):
    recorded = Outbox(db).record("docs", "d-cancelled", event("t-cancelled"))
    Outbox(db).cancel(recorded)
    assert db[LISTINGS].count_documents({}) == 0
