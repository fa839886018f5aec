"""Poison messages on every queue the platform consumes: each event handler's queue, each
worker's nameko RPC queue, the IOC pipeline's detections and commands. Each poison goes
to the queue's dead-letter queue with the reason, the consumer stays up, and the next good
message is handled. And a camera gateway publishing for one commune in its routing key
and another in its body gets nothing into the other commune."""
import datetime as dt
import json
import uuid
from importlib import import_module

import kombu
import pytest
from google.protobuf import descriptor_pool, message_factory
from nameko.exceptions import RemoteError
from nameko.standalone.rpc import ClusterRpcProxy

from commune.v1 import common_pb2, kpi_pb2, tasks_pb2
from services import catalog
from services import topology as platform_topology
from services.common.auth import issue_token
from services.common.envelope import Envelope
from services.iocevents import demo
from services.iocevents.broker import ingest_exchange, queues
from services.iocevents.store import IocStore
from tests.helpers import CALL_TIMEOUT_S, Broker, Process, metric_value, wait_for

pytestmark = pytest.mark.e2e
TENANT = "binh-lu"
DEEP = b"[" * 20000 + b"]" * 20000


def message_class(event_type: str):
    return message_factory.GetMessageClass(
        descriptor_pool.Default().FindMessageTypeByName(catalog.EVENTS[event_type].message))


def good_message(event_type: str, tenant: str):
    """A valid event of `event_type` for `tenant`, as its producer would send it; None for
    a type this module cannot make one of (the assistant's: their poisons are still
    dead-lettered one after the other, which shows the consumer going on)."""
    if not event_type.startswith(("task.", "kpi.")):
        return None
    message_class_ = message_class(event_type)
    if event_type.startswith("task."):
        task_id = uuid.uuid4().hex
        return message_class_(task=tasks_pb2.Task(id=task_id, tenant=tenant, code=task_id[:8],
                                                  title="Số hóa hồ sơ"))
    status = "KPI_STATUS_MISSED" if event_type == "kpi.target_missed" else "KPI_STATUS_MET"
    return message_class_(tenant=tenant,
                          period=common_pb2.Period(kind=common_pb2.PERIOD_KIND_YEAR, year=2026),
                          row=kpi_pb2.IndicatorRow(indicator="e-health-records", unit=tenant,
                                                   status=kpi_pb2.KpiStatus.Value(status)))


def poisons(event_type: str) -> list[tuple[bytes, dict, str]]:
    """(body, headers, what the reason says) of messages no handler can take."""
    source = catalog.EVENTS[event_type].source
    good = Envelope.wrap(event_type, source, TENANT, good_message(event_type, TENANT)
                         or message_class(event_type)())
    as_json = json.loads(good.to_json())
    other_type = next(t for t in catalog.EVENTS if t != event_type)
    return [(b"\x00\xff not json", {}, "body is not JSON"),
            (DEEP, {}, "nested deeper"),
            (b"[]", {}, "envelope"),
            (b'{"id": "1", "type": "%s"}' % event_type.encode(), {}, "envelope"),
            (json.dumps({**as_json, "data": {"task": 5, "row": "x"}}).encode(), {},
             "does not parse"),
            (json.dumps({**as_json, "type": other_type}).encode(), {}, "expected"),
            (good.to_json(), {"tenant": "lung-phinh"}, "sent for tenant 'lung-phinh'")]


def consumer_queues(settings) -> list[tuple[str, str, str]]:
    """(service, queue, event type) of every event handler's queue."""
    found = []
    for queue in platform_topology.derive(settings.namespace).queues:
        service = queue.name.split(".")[1]
        if queue.routing_key in catalog.EVENTS and service in catalog.WORKERS:
            found.append((service, queue.name, queue.routing_key))
    return found


def handled(worker, service: str, event_type: str) -> float:
    return metric_value(worker.metrics(), f"commune_{service}_events_consumed_total",
                        event_type=event_type, outcome="handled")


@pytest.fixture
def broker(settings):
    broker = Broker(settings)
    yield broker
    broker.close()


def test_every_event_queue_dead_letters_poison_and_goes_on(settings, platform, broker):
    cases = consumer_queues(settings)
    assert len(cases) >= 11, cases
    for service, queue, event_type in cases:
        source = catalog.EVENTS[event_type].source
        for body, headers, reason in poisons(event_type):
            broker.publish(source, event_type, body, headers=headers)
            parked = broker.take(f"{queue}.dead-letter")
            assert reason in parked.headers["x-dead-letter-reason"], (queue, body[:80])
            assert parked.headers["x-original-queue"] == queue
            assert parked.body == body
        message = good_message(event_type, TENANT)
        if message is None:
            continue
        before = handled(platform[service], service, event_type)
        good = Envelope.wrap(event_type, source, TENANT, message)
        broker.publish(source, event_type, good.to_json(), headers={"tenant": TENANT})
        wait_for(lambda s=service, t=event_type, n=before: handled(platform[s], s, t) == n + 1,
                 what=f"{queue} to handle the good event after the poison")
        assert platform[service].popen.poll() is None


def rpc_poisons() -> list[tuple[bytes, dict, str]]:
    """(body, properties, what the reason says) of RPC requests nameko cannot answer."""
    call = json.dumps({"args": [], "kwargs": {}}).encode()
    return [(call, {"content_type": "application/json"}, "no reply_to"),
            (b"\x80\x04K\x01.", {"content_type": "application/x-python-serialize",
                                 "reply_to": "nobody"}, "content type"),
            (b"\x00\xff not json", {"content_type": "application/json", "reply_to": "nobody"},
             "does not decode"),
            (DEEP, {"content_type": "application/json", "reply_to": "nobody"},
             "does not decode")]


@pytest.mark.parametrize("service", sorted(catalog.WORKERS))
def test_every_rpc_queue_dead_letters_poison_and_answers_the_next_call(settings, platform,
                                                                       broker, service):
    exchange = kombu.Exchange(settings.nameko_config()["rpc_exchange"], type="topic",
                              durable=True)
    queue = f"{settings.namespace}.rpc-{service}"
    method = next(op.name for op in _operations(service) if op.rpc)
    for body, properties, reason in rpc_poisons():
        kombu.Producer(broker.channel).publish(body, exchange=exchange,
                                               routing_key=f"{service}.{method}",
                                               delivery_mode=2, **properties)
        parked = broker.take(f"{queue}.dead-letter")
        assert reason in parked.headers["x-dead-letter-reason"], (service, body[:40])
        assert parked.headers["x-original-queue"] == queue
    token = issue_token(settings, "poison-check", "admin", [TENANT])
    with ClusterRpcProxy(settings.nameko_config(), timeout=CALL_TIMEOUT_S,
                         context_data={"authorization": f"Bearer {token}"}) as proxy:
        _good_rpc_call(proxy, service)
    assert platform[service].popen.poll() is None


def _operations(service: str):
    return import_module(f"services.{service}.app").OPERATIONS


def _good_rpc_call(proxy, service: str) -> None:
    """A read of the service's table answers (any answer but a lost request)."""
    op = next(op for op in _operations(service) if op.rpc and op.example is not None)
    try:
        getattr(getattr(proxy, service), op.name)(op.example)
    except RemoteError as error:  # refused or not found: answered all the same
        assert error.exc_type in ("NotFound", "InvalidArgument", "FailedPrecondition",
                                  "AlreadyExists", "PermissionDenied"), error


# --- the IOC pipeline: detections and commands from gateways and other services ------------

@pytest.fixture(scope="module")
def pipeline(settings, mongo, platform):
    store = IocStore(mongo[f"{settings.namespace}_iocevents"])
    store.ensure_indexes()
    demo.load(store, dt.date.today())
    process = Process(settings, "commune-pipeline", "iocevents", COMMUNE_IOC_FLUSH_S=0.2)
    try:
        process.wait_ready(f"http://127.0.0.1:{process.metrics_port}/metrics")
        yield process
    finally:
        process.stop()


def detection(tenant: str, **fields) -> dict:
    return {"id": f"poison-{uuid.uuid4().hex[:12]}", "tenant": tenant,
            "deviceId": "cam-cho-binh-lu-2", "time": dt.datetime.now(dt.UTC).isoformat(),
            "kind": "vehicle", "confidence": 0.9, "objectClass": "car", **fields}


def accepted(pipeline) -> float:
    return metric_value(pipeline.metrics(pipeline.metrics_port),
                        "commune_iocevents_detections_total", tenant=TENANT, kind="vehicle",
                        outcome="accepted")


def test_the_pipeline_dead_letters_poison_and_takes_the_next_detection(settings, broker,
                                                                      pipeline):
    cases = [("detection.binh-lu", b"\x00\xff not json", "body is not JSON", "detections"),
             ("detection.binh-lu", DEEP, "nested deeper", "detections"),
             ("detection.binh-lu", b'{"detections": []}', "1-", "detections"),
             ("detection.binh-lu", json.dumps([{"id": 5}]).encode(), "invalid detection",
              "detections"),
             ("detection.no such commune!", json.dumps([detection(TENANT)]).encode(),
              "names no commune", "detections"),
             ("command.acknowledge", b"[1, 2]", "", "commands"),
             ("command.acknowledge", DEEP, "nested deeper", "commands"),
             ("command.reload", json.dumps({"action": "acknowledge", "tenant": TENANT}).encode(),
              "sent as", "commands")]
    declare = queues(settings.namespace)
    for routing_key, body, reason, queue in cases:
        kombu.Producer(broker.channel).publish(body, exchange=ingest_exchange(settings.namespace),
                                               routing_key=routing_key, declare=declare,
                                               delivery_mode=2)
        parked = broker.take(f"{settings.namespace}.iocevents.{queue}.dead-letter")
        assert reason in parked.headers["x-dead-letter-reason"], (routing_key, body[:40])
    before = accepted(pipeline)
    _publish_detections(settings, broker, "detection.binh-lu", [detection(TENANT)])
    wait_for(lambda: accepted(pipeline) == before + 1, what="the next good detection")
    assert pipeline.popen.poll() is None


def _publish_detections(settings, broker, routing_key: str, rows: list[dict]) -> None:
    kombu.Producer(broker.channel).publish(
        json.dumps({"detections": rows}).encode(), exchange=ingest_exchange(settings.namespace),
        routing_key=routing_key, declare=queues(settings.namespace), delivery_mode=2)


def test_a_gateway_cannot_publish_for_another_commune_than_its_routing_key(settings, broker,
                                                                          pipeline, mongo):
    """The gateway of lung-phinh (its routing key) sends a detection naming binh-lu: it
    is dead-lettered naming both, and binh-lu's journal never holds it."""
    smuggled = detection(TENANT)
    _publish_detections(settings, broker, "detection.lung-phinh", [smuggled])
    parked = broker.take(f"{settings.namespace}.iocevents.detections.dead-letter")
    reason = parked.headers["x-dead-letter-reason"]
    assert "'binh-lu' published for commune 'lung-phinh'" in reason
    assert json.loads(parked.body)["id"] == smuggled["id"]
    before = accepted(pipeline)
    _publish_detections(settings, broker, "detection.binh-lu", [detection(TENANT)])
    wait_for(lambda: accepted(pipeline) == before + 1, what="binh-lu's own detection")
    database = mongo[f"{settings.namespace}_iocevents"]
    journals = [name for name in database.list_collection_names() if "journal" in name]
    found = sum(database[name].count_documents({"id": smuggled["id"]}) for name in journals)
    assert found == 0
