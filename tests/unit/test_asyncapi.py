"""The AsyncAPI document: the published copy is the generated one, it validates (the
specification's JSON Schema and the official parser), it agrees with the proto files,
and every event, with every field of its message set, validates against it."""
import json
import re
import subprocess

import pytest
from google.protobuf.descriptor import FieldDescriptor

from services import catalog
from services.asyncapi import document, to_json
from services.common import proto_schema
from services.common.envelope import Envelope
from services.common.settings import Settings
from tests.asyncapi_validation import errors, validator
from tests.conftest import ROOT

PUBLISHED = ROOT / "contracts" / "asyncapi.json"
TOOLS = ROOT / "var" / "tools" / "node_modules" / "@asyncapi"
DEFAULTS = {name: Settings.model_fields[name].default
            for name in ("namespace", "max_delivery_attempts")}


@pytest.fixture(scope="module")
def doc() -> dict:
    return document(DEFAULTS["namespace"], DEFAULTS["max_delivery_attempts"])


def test_the_published_copy_is_the_generated_document(doc):
    assert PUBLISHED.read_text(encoding="utf-8") == to_json(doc), (
        "contracts/asyncapi.json is out of date: run "
        "`commune asyncapi --out contracts/asyncapi.json`")


def _spec_schema() -> dict:
    path = TOOLS / "specs" / "schemas" / "3.0.0.json"
    assert path.exists(), f"{path} is missing: run `make setup`"
    return json.loads(path.read_text())


def test_the_document_validates_against_the_asyncapi_3_schema(doc):
    import jsonschema

    spec = jsonschema.Draft7Validator(_spec_schema())
    assert [e.message[:200] for e in spec.iter_errors(doc)] == []
    broken = json.loads(json.dumps(doc))
    broken["channels"]["task.created"]["bindings"]["amqp"]["exchange"]["type"] = "topics"
    assert not spec.is_valid(broken)


def _parse(path) -> subprocess.CompletedProcess:
    assert (TOOLS / "parser").exists(), "the AsyncAPI parser is missing: run `make setup`"
    return subprocess.run(["node", str(ROOT / "scripts" / "validate-asyncapi.mjs"), str(path)],
                          capture_output=True, text=True, timeout=120)


def test_the_official_parser_finds_no_error_and_would_find_one(doc, tmp_path):
    result = _parse(PUBLISHED)
    assert result.returncode == 0, result.stdout + result.stderr
    broken = json.loads(json.dumps(doc))
    broken["operations"]["task.created.publish"]["channel"] = {"$ref": "#/channels/nowhere"}
    (tmp_path / "broken.json").write_text(json.dumps(broken))
    result = _parse(tmp_path / "broken.json")
    assert result.returncode == 1 and "nowhere" in result.stdout


def test_the_catalog_names_each_event_as_the_proto_files_do():
    """Each event message's comment in proto/ names its type: the same pairs as the
    catalog's."""
    documented = set()
    for proto in (ROOT / "proto" / "commune" / "v1").glob("*.proto"):
        comment = []
        for line in proto.read_text().splitlines():
            if line.startswith("//"):
                comment.append(line)
            elif match := re.match(r"message (\w+) \{", line):
                for event_type in re.findall(r'"([a-z]+\.[a-z_]+)"', " ".join(comment)):
                    documented.add((event_type, f"commune.v1.{match[1]}"))
                comment = []
            else:
                comment = []
    assert documented == {(t, e.message) for t, e in catalog.EVENTS.items()}


def test_every_event_in_the_document_is_published_somewhere_in_the_code():
    code = "\n".join(p.read_text() for p in (ROOT / "services").rglob("*.py")
                     if p.name != "catalog.py")
    assert [t for t in catalog.EVENTS if f'"{t}"' not in code] == []


def _filled(message, depth: int = 0):
    """The message with every field set (nested messages to a few levels)."""
    for field in message.DESCRIPTOR.fields:
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            entry = field.message_type.fields_by_name["value"]
            target = getattr(message, field.name)
            if entry.message_type is not None:
                _filled(target["k"], depth + 1)
            else:
                target["k"] = _value(entry)
        elif field.type == FieldDescriptor.TYPE_MESSAGE:
            if depth > 3:
                continue
            if field.is_repeated:
                _filled(getattr(message, field.name).add(), depth + 1)
            elif field.message_type.full_name == "google.protobuf.Timestamp":
                getattr(message, field.name).FromJsonString("2026-04-01T08:30:00Z")
            else:
                _filled(getattr(message, field.name), depth + 1)
        elif field.is_repeated:
            getattr(message, field.name).extend([_value(field), _value(field)])
        else:
            setattr(message, field.name, _value(field))
    return message


def _value(field: FieldDescriptor):
    if field.name == "tenant":  # a tenant inside the data must be the envelope's
        return "binh-lu"
    if field.type == FieldDescriptor.TYPE_ENUM:
        return field.enum_type.values[-1].number
    return {FieldDescriptor.TYPE_STRING: "Số hóa", FieldDescriptor.TYPE_BOOL: True,
            FieldDescriptor.TYPE_BYTES: b"\x00\xff", FieldDescriptor.TYPE_DOUBLE: 99.78,
            FieldDescriptor.TYPE_FLOAT: 0.5}.get(field.type, -7 if field.cpp_type in (
                FieldDescriptor.CPPTYPE_INT32, FieldDescriptor.CPPTYPE_INT64) else 7)


def _message_class(full_name: str):
    from google.protobuf.message_factory import GetMessageClass

    return GetMessageClass(proto_schema.message_descriptor(full_name))


@pytest.mark.parametrize("event_type", list(catalog.EVENTS))
def test_an_event_with_every_field_set_validates_against_its_message(doc, event_type):
    event = catalog.EVENTS[event_type]
    message = _filled(_message_class(event.message)())
    wire = json.loads(Envelope.wrap(event_type, event.source, "binh-lu", message,
                                    subject="s-1").to_json())
    payload = validator(doc, event_type)
    assert errors(payload, wire) == []
    assert wire["data"], "the filler set no field"
    # The same body announced as another event, or with a field of the wrong type, is not.
    other = next(t for t in catalog.EVENTS if t != event_type)
    assert errors(payload, {**wire, "type": other})
    assert errors(payload, {**wire, "time": "2026-04-01 08:30"})
    field, value = next(iter(wire["data"].items()))
    wrong = 12 if isinstance(value, str) else "x"
    assert errors(payload, {**wire, "data": {**wire["data"], field: wrong}})


def test_proto3_json_names_enums_as_names_timestamps_as_strings(doc):
    alert = doc["components"]["schemas"]["commune.v1.Alert"]["properties"]
    assert alert["severity"] == {"$ref": "#/components/schemas/commune.v1.AlertSeverity"}
    assert "ALERT_SEVERITY_HIGH" in doc["components"]["schemas"]["commune.v1.AlertSeverity"]["enum"]
    assert alert["resolveTime"] == {"type": "string", "format": "date-time"}
    assert alert["falsePositive"] == {"type": "boolean"}


def test_64_bit_integers_are_strings_and_maps_objects():
    from google.protobuf import duration_pb2, struct_pb2

    duration = proto_schema.schemas([duration_pb2.Duration.DESCRIPTOR], "#/")
    assert duration["google.protobuf.Duration"]["properties"]["seconds"]["type"] == "string"
    with pytest.raises(ValueError, match="no JSON Schema for google.protobuf.Value"):
        proto_schema.schemas([struct_pb2.Struct.DESCRIPTOR], "#/")


@pytest.mark.parametrize("type_, source, message", [
    ("task.renamed", "tasks", "TaskCreated"),
    ("task.created", "kpi", "TaskCreated"),
    ("task.created", "tasks", "TaskAssigned"),
])
def test_wrap_refuses_an_event_the_catalog_does_not_list(type_, source, message):
    from commune.v1 import events_pb2

    with pytest.raises(ValueError, match="not in services.catalog.EVENTS"):
        Envelope.wrap(type_, source, "binh-lu", getattr(events_pb2, message)())


def test_the_detections_message_takes_one_detection_or_a_batch(doc):
    one = {"id": "d-1", "tenant": "binh-lu", "deviceId": "CAM-01",
           "kind": "DETECTION_KIND_PLATE_READ", "time": "2026-04-01T08:30:00Z", "confidence": 0.9}
    payload = validator(doc, "detections")
    assert errors(payload, one) == []
    assert errors(payload, {"detections": [one, one]}) == []
    assert errors(payload, {"detections": []})
    assert errors(payload, {**one, "confidence": "high"})


def test_every_queue_the_platform_consumes_lists_its_dead_letter_channel(doc):
    """Event handlers', pipelines' and RPC queues alike: each has a dead-letter channel
    on the dead-letter exchange, routed by the queue's name, and nothing else has one."""
    from importlib import import_module

    from services.topology import derive

    derived = derive(DEFAULTS["namespace"])
    rpc = {q.name.rsplit(".rpc-", 1)[1] for q in derived.rpc_queues}
    # Every service whose table of operations has an RPC door: its queue is there.
    assert rpc == {name for name in catalog.WORKERS if any(
        op.rpc for op in import_module(f"services.{name}.app").OPERATIONS)}
    queues = derived.consumer_queues + derived.pipeline_queues + derived.rpc_queues
    dead_letters = {spec["address"]: spec for spec in doc["channels"].values()
                    if spec["address"].endswith(".dead-letter")}
    assert set(dead_letters) == {f"{q.name}.dead-letter" for q in queues}
    for queue in queues:
        spec = dead_letters[f"{queue.name}.dead-letter"]
        assert spec["bindings"]["amqp"]["queue"]["name"] == f"{queue.name}.dead-letter"
        assert spec["description"] == (f"Bound to `{DEFAULTS['namespace']}.dead-letter` "
                                       f"with the routing key `{queue.name}`.")
        assert spec["messages"] == {"dead-letter": {"$ref": "#/components/messages/dead-letter"}}
