"""The AsyncAPI document against what the services publish on the real broker: queues
bound as the document says (and a catch-all on every events exchange) receive the events
of real publishing paths (the tasks demo, the trace demo and a verification, the
assistant's answer, feedback and handoff, a detection batch from the IOC's ingestion
helper, an alert raised and escalated by the IOC pipeline, a dead letter from the kpi
worker's handler); the end-to-end tests check the rest of what they make published
(tests/e2e/conftest.py); each message's routing key, AMQP
properties, headers and body validate against the document."""
import datetime as dt
import json

import pytest

from services.assistant.app import AssistantApp
from services.assistant.domain import default_assistant
from services.assistant.schemas import AskRequest, FeedbackRequest, HandoffRequest
from services.assistant.store import AssistantStore
from services.asyncapi import document
from services.common.batch_consumer import Incoming
from services.common.publisher import Publisher
from services.iocevents import demo as ioc_demo
from services.iocevents.broker import RECEIVED_HEADER, publish_detections, queues
from services.iocevents.pipeline import Pipeline
from services.iocevents.settings import IocSettings
from services.iocevents.store import IocStore
from services.tasks import demo as tasks_demo
from services.tasks.store import TaskStore
from services.trace import demo as trace_demo
from services.trace.config import TraceSettings, seal_of
from services.trace.ledger import Ledger
from services.trace.store import TraceStore
from tests.asyncapi_validation import WireTap, errors, validator
from tests.helpers import Broker, start_worker

pytestmark = pytest.mark.integration

@pytest.fixture(scope="module")
def doc(settings) -> dict:
    return document(settings.namespace, settings.max_delivery_attempts)


@pytest.fixture(scope="module")
def tap(settings, doc):
    tap = WireTap(settings, doc, received=True)
    yield tap
    tap.close()


@pytest.fixture(scope="module")
def publisher(settings):
    publisher = Publisher(settings.amqp_uri, settings.namespace)
    yield publisher
    publisher.close()


def publish_what_the_services_publish(settings, mongo, publisher) -> None:
    ns = settings.namespace
    tasks_demo.load(TaskStore(mongo[f"{ns}_asyncapi_tasks"]), dt.datetime.now(dt.UTC),
                    publisher)
    ledger = Ledger(TraceStore(mongo[f"{ns}_asyncapi_trace"]), publisher,
                    seal_of(settings, TraceSettings()))
    ledger.store.ensure_indexes()
    trace_demo.load(ledger)
    data = trace_demo.read()
    ledger.verify(data["tenant"], next(iter(ledger.store.batches(data["tenant"])))["_id"])
    assistant = AssistantApp(AssistantStore(mongo[f"{ns}_asyncapi_assistant"]), publisher,
                             default_assistant(), "test-secret")
    answer = assistant.ask(None, AskRequest(tenant="lung-phinh", question="đăng ký khai sinh"))
    trace_id = answer.answer.trace_id
    assistant.feedback(None, FeedbackRequest(tenant="lung-phinh", trace_id=trace_id,
                                             helpful=True))
    assistant.handoff(None, HandoffRequest(tenant="lung-phinh", trace_id=trace_id))
    now = dt.datetime.now(dt.UTC)
    plate_read = {"id": "asyncapi-1", "tenant": "binh-lu", "deviceId": "cam-cong-an-xa-1",
                  "kind": "DETECTION_KIND_PLATE_READ", "time": now.isoformat(),
                  "confidence": 0.93, "plate": {"text": "25A-168.68"}}
    publish_detections(publisher, "binh-lu", [plate_read])
    raise_and_escalate_an_alert(settings, mongo, publisher, plate_read, now)


def raise_and_escalate_an_alert(settings, mongo, publisher, plate_read, now) -> None:
    """A watchlist plate read through the IOC pipeline (in this process, its clock the
    test's), then a sweep hours later with the alert still unacknowledged."""
    store = IocStore(mongo[f"{settings.namespace}_asyncapi_iocevents"])
    store.ensure_indexes()
    ioc_demo.load(store, now.date())
    publisher.declare(*queues(settings.namespace))
    clock = [now]
    pipeline = Pipeline(store, publisher, IocSettings(
        amqp_uri=settings.amqp_uri, mongo_uri=settings.mongo_uri,
        namespace=settings.namespace), clock=lambda: clock[0])
    pipeline.recover()
    pipeline.handle([Incoming("detection.binh-lu", json.dumps([plate_read]).encode(),
                              {RECEIVED_HEADER: now.timestamp()})])
    pipeline.writer.flush()
    clock[0] = now + dt.timedelta(hours=5)
    pipeline.sweep(clock[0])
    pipeline.commit([], clock[0])


def test_what_the_services_publish_is_what_the_document_says(settings, mongo, tap,
                                                             publisher):
    publish_what_the_services_publish(settings, mongo, publisher)
    seen, problems = tap.check()
    assert problems == []
    assert seen >= {"task.created", "task.completed", "trace.batch_created",
                    "trace.event_recorded", "trace.batch_verified",
                    "assistant.question_answered", "assistant.feedback_given",
                    "assistant.handoff_requested", "iocevents.detections",
                    "ioc.alert_raised", "ioc.alert_escalated"}


@pytest.fixture(scope="module")
def kpi(settings):
    process = start_worker(settings, "kpi")
    yield process
    process.stop()


def test_a_dead_letter_lands_where_the_document_says_with_its_headers(settings, doc, kpi):
    """The kpi worker's task.created handler parks a body that is no envelope in the
    dead-letter channel that the document gives for it."""
    consumer = next(name for name, op in doc["operations"].items()
                    if op["action"] == "receive" and name.startswith("kpi.")
                    and op["channel"]["$ref"] == "#/channels/task.created")
    dead_letters = doc["channels"][f"{consumer}.dead-letter"]
    broker = Broker(settings)
    try:
        broker.publish("tasks", "task.created", b'{"not": "an envelope"}',
                       headers={"tenant": "binh-lu"})
        message = broker.take(dead_letters["address"], timeout=60)
        assert message.body == b'{"not": "an envelope"}'
        headers = message.headers
        assert errors(validator(doc, "dead-letter", "headers"), headers) == []
        assert headers["x-original-queue"] == dead_letters["bindings"]["amqp"]["queue"][
            "name"].removesuffix(".dead-letter")
        assert headers["x-dead-letter-reason"].startswith("invalid event")
    finally:
        broker.close()


def test_a_poison_rpc_request_lands_in_the_dead_letter_channel_the_document_gives(
        settings, doc, kpi):
    """The kpi worker's RPC queue parks a request with no reply_to in the dead-letter
    channel the document lists for that queue, with the headers it documents."""
    import kombu

    from services.common.topology import rpc_queue

    queue = rpc_queue(settings.namespace, "kpi")
    dead_letters = next(spec for spec in doc["channels"].values()
                        if spec["address"] == f"{queue.name}.dead-letter")
    broker = Broker(settings)
    try:
        kombu.Producer(broker.channel).publish(b'{"args": [], "kwargs": {}}',
                                               exchange=queue.exchange,
                                               routing_key="kpi.get_counts", delivery_mode=2,
                                               content_type="application/json")
        message = broker.take(dead_letters["address"], timeout=60)
        assert message.body == b'{"args": [], "kwargs": {}}'
        assert errors(validator(doc, "dead-letter", "headers"), message.headers) == []
        assert message.headers["x-original-queue"] == queue.name
        assert message.headers["x-dead-letter-reason"].startswith("no reply_to")
    finally:
        broker.close()
