"""The trace use cases (app.py) on a real store: every operation's example, run in table
order through the table (parse, authorize, the use case), answers its response model in
wire names, and the gRPC door makes its proto message of it; EPCIS documents keep the
standard's field names; a caller the table refuses changes nothing."""
import json

import pytest

from commune.v1 import trace_pb2
from services.common.api import grpc_doors
from services.common.api.operations import invoke, parse
from services.common.auth import Principal
from services.common.errors import InvalidArgument, PermissionDenied
from services.trace import app as trace_app
from services.trace.app import OPERATIONS, TraceApp
from services.trace.config import TraceSettings, seal_of
from services.trace.ledger import Ledger
from services.trace.store import TraceStore

pytestmark = pytest.mark.integration

OFFICER = Principal("htx-mien-dong", "officer", frozenset({trace_app.TENANT}))
SERVICE = trace_pb2.DESCRIPTOR.services_by_name["TraceService"]


@pytest.fixture(scope="module")
def app(mongo, settings):
    store = TraceStore(mongo[f"{settings.namespace}_trace_app"])
    store.ensure_indexes()
    return TraceApp(Ledger(store, None, seal_of(settings, TraceSettings())))


def run(app, name, request, principal=OFFICER):
    operation = OPERATIONS[name]
    return invoke(app, operation, principal, parse(operation, request))


@pytest.fixture(scope="module")
def answers(app):
    """Each example's answer, in table order: the registry, a batch, its events, then
    what is read of it."""
    return {op.name: run(app, op.name, op.example) for op in OPERATIONS}


def test_every_example_answers_its_model_in_wire_names(answers):
    for op in OPERATIONS:
        wire = answers[op.name].wire()
        assert op.response.model_validate(json.loads(json.dumps(wire))) == answers[op.name]
    assert answers["save_product"].wire()["nameVi"] == "Miến dong Bình Lư 200 g"
    assert answers["save_product"].wire()["certifications"][0]["status"] == "valid"
    assert answers["create_batch"].wire()["producedOn"] == "2026-01-20"
    recorded = answers["record_event"].wire()
    assert recorded["eventId"] == trace_app.OPERATIONS["record_event"].example["eventId"]
    assert not recorded["duplicate"] and recorded["links"][0]["seq"] == 1
    assert answers["capture_epcis"].wire() | {"events": []} == {
        "captured": 1, "duplicates": 0, "events": []}
    provenance = answers["get_batch_provenance"].wire()
    assert [t["step"] for t in provenance["timeline"]] == ["inspecting", "inspecting"]
    assert provenance["batch"]["eventCount"] == 2 and provenance["area"]["areaHa"] == 12.5
    assert answers["verify_batch"].wire()["verification"]["intact"]
    assert answers["get_scan_report"].wire() == {
        "batch": "08939999000093:MD-2026-02", "total": 0, "perDay": {}, "origins": [],
        "possibleCounterfeit": False, "flags": []}


def test_the_epcis_export_keeps_the_standards_names_and_captures_back_as_duplicates(
        app, answers):
    document = answers["export_epcis"].wire()
    assert set(document) == {"@context", "type", "schemaVersion", "creationDate", "epcisBody"}
    events = document["epcisBody"]["eventList"]
    assert [e["bizStep"] for e in events] == ["inspecting", "inspecting"]
    assert {"eventID", "eventTime", "readPoint", "quantityList"} <= set(events[0])
    again = run(app, "capture_epcis", {"tenant": trace_app.TENANT, **document,
                                       "epcisHeader": {"epcisMasterData": {}}})
    assert (again.captured, again.duplicates) == (0, 2)


def test_the_grpc_door_makes_the_proto_message_of_each_answer(answers):
    for op in (op for op in OPERATIONS if op.grpc):
        message_class = grpc_doors.message_factory.GetMessageClass(
            SERVICE.methods_by_name[op.grpc].output_type)
        grpc_doors.to_message(answers[op.name], message_class)
    provenance = grpc_doors.to_message(answers["get_batch_provenance"],
                                       trace_pb2.GetBatchProvenanceResponse)
    assert provenance.batch.event_count == 2 and provenance.area.area_ha == 12.5
    assert [t.seq for t in provenance.timeline] == [1, 2]
    assert provenance.timeline[0].time.ToJsonString() == "2026-01-24T01:00:00Z"
    assert provenance.verification.intact and provenance.verification.checked == 2
    product = grpc_doors.to_message(answers["get_product"], trace_pb2.GetProductResponse)
    assert product.product.certifications[0].stars == 3
    assert product.producer.code == trace_app.EXAMPLE_PRODUCER


def test_a_caller_the_table_refuses_changes_nothing(app, answers):
    foreign = Principal("htx-khac", "officer", frozenset({"lung-phinh"}))
    operator = Principal("ioc-1", "operator", frozenset({trace_app.TENANT}))
    event = {**OPERATIONS["record_event"].example, "eventId": "urn:uuid:refused-1",
             "when": "2026-01-26T08:00:00+07:00"}
    for principal in (foreign, operator):
        with pytest.raises(PermissionDenied):
            run(app, "record_event", event, principal)
    assert app.ledger.store.recorded(trace_app.TENANT, "urn:uuid:refused-1") is None


def test_a_request_names_the_field_at_fault_in_wire_names(app):
    with pytest.raises(InvalidArgument) as error:
        run(app, "create_batch", {**OPERATIONS["create_batch"].example, "producedOn": "soon"})
    assert list(error.value.fields) == ["producedOn"]
    with pytest.raises(InvalidArgument) as error:
        run(app, "list_products", {"tenant": trace_app.TENANT, "pageToken": "abc"})
    assert list(error.value.fields) == ["pageToken"]
