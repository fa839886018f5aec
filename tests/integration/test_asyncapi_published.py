"""The AsyncAPI document against what the services publish on the real broker: queues
bound as the document says (and a catch-all on every events exchange) receive the events
of real publishing paths (the tasks demo, the trace demo and a verification, the
assistant's answer, feedback and handoff, a detection batch from the IOC's ingestion
helper, a dead letter from the kpi worker's handler); each message's routing key, AMQP
properties, headers and body validate against the document."""
import datetime as dt
import json

import kombu
import pytest
from google.protobuf import json_format
from google.protobuf.message_factory import GetMessageClass

from services import catalog
from services.assistant.desk import Desk
from services.assistant.domain import default_assistant
from services.assistant.store import AssistantStore
from services.asyncapi import document
from services.common import proto_schema
from services.common.publisher import Publisher
from services.iocevents.broker import publish_detections
from services.tasks import demo as tasks_demo
from services.tasks.store import TaskStore
from services.trace import demo as trace_demo
from services.trace.ledger import Ledger
from services.trace.store import TraceStore
from tests.asyncapi_validation import errors, validator
from tests.helpers import Broker, start_worker

pytestmark = pytest.mark.integration

JUNK_ID = "asyncapi-test-junk"


@pytest.fixture(scope="module")
def doc(settings) -> dict:
    return document(settings.namespace, settings.max_delivery_attempts)


@pytest.fixture(scope="module")
def taps(settings, doc):
    """A queue per documented routing-key channel, bound as the document says, and one
    taking every routing key of each events exchange."""
    connection = kombu.Connection(settings.amqp_uri)
    channel = connection.channel()
    queues = {}
    for name, spec in doc["channels"].items():
        amqp = spec["bindings"]["amqp"]
        if amqp["is"] != "routingKey":
            continue
        binding = amqp["exchange"]
        exchange = kombu.Exchange(binding["name"], type=binding["type"],
                                  durable=binding["durable"], auto_delete=binding["autoDelete"])
        key = spec["address"].replace("{tenant}", "*")
        queues[name] = kombu.Queue(f"{settings.namespace}.asyncapi-tap.{name}", exchange,
                                   routing_key=key, durable=False, auto_delete=False,
                                   channel=channel)
        if name in catalog.EVENTS:
            queues[f"all:{binding['name']}"] = kombu.Queue(
                f"{settings.namespace}.asyncapi-tap.all.{binding['name']}", exchange,
                routing_key="#", durable=False, channel=channel)
    for queue in queues.values():
        queue.declare()
    yield queues
    for queue in queues.values():
        queue.delete()
    connection.release()


@pytest.fixture(scope="module")
def publisher(settings):
    publisher = Publisher(settings.amqp_uri, settings.namespace)
    yield publisher
    publisher.close()


def drain(queue: kombu.Queue) -> list:
    messages = []
    while (message := queue.get(no_ack=True)) is not None:
        if message.properties.get("message_id") != JUNK_ID:
            messages.append(message)
    return messages


def publish_what_the_services_publish(settings, mongo, publisher) -> None:
    ns = settings.namespace
    tasks_demo.load(TaskStore(mongo[f"{ns}_asyncapi_tasks"]), dt.datetime.now(dt.UTC),
                    publisher)
    ledger = Ledger(TraceStore(mongo[f"{ns}_asyncapi_trace"]), publisher)
    ledger.store.ensure_indexes()
    trace_demo.load(ledger)
    data = trace_demo.read()
    ledger.verify(data["tenant"], next(iter(ledger.store.batches(data["tenant"])))["_id"])
    desk = Desk(AssistantStore(mongo[f"{ns}_asyncapi_assistant"]), publisher,
                default_assistant(), "test-secret")
    answer = desk.ask("lung-phinh", {"text": "đăng ký khai sinh"})
    desk.feedback("lung-phinh", {"trace_id": answer["trace_id"], "helpful": True})
    desk.handoff("lung-phinh", {"trace_id": answer["trace_id"]})
    publish_detections(publisher, "binh-lu", [{
        "id": "asyncapi-1", "tenant": "binh-lu", "deviceId": "CAM-01",
        "kind": "DETECTION_KIND_PLATE_READ", "time": "2026-04-01T08:30:00Z",
        "plate": {"text": "24A-123.45"}}])


def test_what_the_services_publish_is_what_the_document_says(settings, mongo, doc, taps,
                                                             publisher):
    publish_what_the_services_publish(settings, mongo, publisher)
    seen = set()
    received = {name: drain(queue) for name, queue in taps.items()}
    for name, messages in received.items():
        if name.startswith("all:"):
            exchange = name.removeprefix("all:")
            documented = {t for t, e in catalog.EVENTS.items()
                          if doc["channels"][t]["bindings"]["amqp"]["exchange"]["name"]
                          == exchange}
            undocumented = {m.delivery_info["routing_key"] for m in messages} - documented
            assert undocumented == set(), f"published on {exchange} but not documented"
            continue
        for message in messages:
            seen.add(name)
            if name in catalog.EVENTS:
                check_event(doc, name, message)
            else:
                body = json.loads(message.body)
                assert errors(validator(doc, "detections"), body) == []
    assert seen >= {"task.created", "task.completed", "trace.batch_created",
                    "trace.event_recorded", "trace.batch_verified",
                    "assistant.question_answered", "assistant.feedback_given",
                    "assistant.handoff_requested", "iocevents.detections"}


def check_event(doc: dict, event_type: str, message) -> None:
    body = json.loads(message.body)
    assert message.delivery_info["routing_key"] == event_type
    assert errors(validator(doc, event_type), body) == []
    assert errors(validator(doc, event_type, "headers"), message.headers) == []
    properties = message.properties
    assert (properties["type"], properties["message_id"], properties["delivery_mode"]) == (
        doc["components"]["messages"][event_type]["bindings"]["amqp"]["messageType"],
        body["id"], 2)
    assert message.content_type == doc["defaultContentType"]
    # What a subscriber does with `data`: parse it as the message `dataschema` names.
    message_class = GetMessageClass(proto_schema.message_descriptor(body["dataschema"]))
    json_format.ParseDict(body["data"], message_class())


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
                       message_id=JUNK_ID, headers={"tenant": "binh-lu"})
        message = broker.take(dead_letters["address"], timeout=60)
        assert message.body == b'{"not": "an envelope"}'
        headers = message.headers
        assert errors(validator(doc, "dead-letter", "headers"), headers) == []
        assert headers["x-original-queue"] == dead_letters["bindings"]["amqp"]["queue"][
            "name"].removesuffix(".dead-letter")
        assert headers["x-dead-letter-reason"].startswith("invalid event")
    finally:
        broker.close()
