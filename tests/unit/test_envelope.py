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
