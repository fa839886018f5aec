import json

import pytest

from commune.v1 import events_pb2, tasks_pb2
from services.common.envelope import Envelope, InvalidEvent


def created(**task_fields) -> Envelope:
    task = tasks_pb2.Task(id="t1", tenant="binh-lu", code="NQ57-01", **task_fields)
    return Envelope.wrap("task.created", "tasks", "binh-lu", events_pb2.TaskCreated(task=task),
                         subject="t1", correlation_id="corr-1")


def test_wrap_uses_cloudevents_attribute_names_and_proto3_json():
    wire = json.loads(created(title="Số hóa").to_json())
    assert {"id", "type", "source", "time", "subject", "tenant", "correlationid",
            "dataschema", "data", "specversion"} <= set(wire)
    assert wire["dataschema"] == "commune.v1.TaskCreated"
    assert wire["data"] == {"task": {"id": "t1", "tenant": "binh-lu", "code": "NQ57-01",
                                     "title": "Số hóa"}}
    assert wire["time"].endswith("Z")


def test_round_trip_gives_back_the_same_message():
    envelope = Envelope.parse(created(title="Số hóa").to_json())
    event = envelope.payload(events_pb2.TaskCreated)
    assert event.task.title == "Số hóa"
    assert envelope.correlationid == "corr-1"


def test_each_envelope_gets_its_own_id():
    assert created().id != created().id


@pytest.mark.parametrize("body, reason", [
    (b"{", "body is not JSON"),
    (b"[]", "envelope:"),
    (json.dumps({**json.loads(created().to_json()), "type": "Task Created"}), "type:"),
    (json.dumps({**json.loads(created().to_json()), "time": "2026-01-01T00:00:00"}), "time:"),
    (json.dumps({**json.loads(created().to_json()), "tenant": ""}), "tenant:"),
])
def test_parse_rejects_what_is_not_an_envelope(body, reason):
    with pytest.raises(InvalidEvent, match=reason):
        Envelope.parse(body)


def test_payload_rejects_another_schema_or_unparseable_data():
    envelope = created()
    with pytest.raises(InvalidEvent, match="expected 'commune.v1.Task'"):
        envelope.payload(tasks_pb2.Task)
    broken = envelope.model_copy(update={"data": {"task": {"nope": 1}}})
    with pytest.raises(InvalidEvent, match="does not parse"):
        broken.payload(events_pb2.TaskCreated)


@pytest.mark.parametrize("data, reason", [
    ({"task": {"id": "t1", "tenant": "lung-phinh"}},
     "task tenant 'lung-phinh' differs from envelope tenant 'binh-lu'"),
    ({"tenant": "lung-phinh", "row": {}}, "^tenant 'lung-phinh' differs"),
    ({"rows": [{"tenant": "binh-lu"}, {"tenant": "lung-phinh"}]}, r"rows\[1\] tenant"),
])
def test_an_event_whose_data_names_another_tenant_is_rejected(data, reason):
    """An event about one commune must not count for another: the envelope's tenant is
    what consumers route, claim and store by."""
    body = json.dumps({**json.loads(created().to_json()), "data": data})
    with pytest.raises(InvalidEvent, match=reason):
        Envelope.parse(body)


def test_an_event_sent_for_another_tenant_than_its_envelope_is_rejected():
    body = created().to_json()
    assert Envelope.parse(body, routed_for="binh-lu").tenant == "binh-lu"
    with pytest.raises(InvalidEvent, match="sent for tenant 'lung-phinh', envelope tenant "
                                           "'binh-lu'"):
        Envelope.parse(body, routed_for="lung-phinh")


def test_wrap_refuses_a_message_about_another_tenant():
    task = tasks_pb2.Task(id="t1", tenant="lung-phinh")
    with pytest.raises(InvalidEvent, match="task tenant 'lung-phinh'"):
        Envelope.wrap("task.created", "tasks", "binh-lu", events_pb2.TaskCreated(task=task))
