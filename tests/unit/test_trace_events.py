"""EPCIS event shape, the batch-history rules, and the hash chain with a tampered case."""
import base64
import copy
import datetime as dt

import pytest

from services.common.errors import FailedPrecondition, InvalidArgument, validated
from services.trace import chain, domain, epcis
from services.trace.seal import Seal

NOW = dt.datetime(2026, 6, 1, 3, 0, tzinfo=dt.UTC)
STARCH = {"gtin": "8930000000019", "lot": "TB-2026-01"}
NOODLE = {"gtin": "8930000000026", "lot": "MD-2026-01"}


def event(step, when, **fields):
    return domain.event_from_input("binh-lu", {"step": step, "where": "producer:htx-mien-dong",
                                               "when": when, **fields}, NOW)


def test_the_short_form_becomes_an_epcis_object_event():
    e = event("harvesting", "2026-05-01T08:00:00+07:00", batch={**STARCH, "quantity": 500,
                                                                 "uom": "KGM"},
              readings=[{"type": "Temperature", "value": 24.5, "uom": "CEL"}])
    assert e["type"] == "ObjectEvent" and e["action"] == "ADD"
    assert e["bizStep"] == "cv:harvesting" and e["disposition"] == "active"
    assert e["quantityList"] == [{"epcClass": "https://id.gs1.org/01/08930000000019/10/TB-2026-01",
                                  "quantity": 500, "uom": "KGM"}]
    assert e["readPoint"] == {"id": "urn:commune:binh-lu:producer:htx-mien-dong"}
    assert e["sensorElementList"][0]["sensorReport"][0]["type"] == "gs1:Temperature"


def test_inputs_and_outputs_make_a_transformation_and_a_parent_an_aggregation():
    t = event("processing", "2026-05-02T08:00:00+07:00", inputs=[STARCH], outputs=[NOODLE])
    a = event("packing", "2026-05-03T08:00:00+07:00", parent="THUNG-001", children=[NOODLE])
    assert t["type"] == "TransformationEvent"
    assert epcis.roles(t) == [(epcis.class_uri(**STARCH), "input"),
                              (epcis.class_uri(**NOODLE), "output")]
    assert a["type"] == "AggregationEvent" and a["parentID"] == "THUNG-001"


@pytest.mark.parametrize("change,field", [
    ({"step": "dancing"}, "step"), ({"where": "mars"}, "where"),
    ({"when": "2027-01-01T00:00:00+07:00"}, "eventTime"),
    ({"batch": {"gtin": "8930000000018", "lot": "A"}}, "gtin"),
    ({"batch": {"gtin": "8930000000019", "lot": "LÔ 1"}}, "lot"), ({"batch": None}, "batch")])
def test_bad_short_forms_are_refused_naming_the_field(change, field):
    fields = {"step": "harvesting", "where": "area:vung-dong", "batch": STARCH,
              "when": "2026-05-01T08:00:00+07:00", **change}
    with pytest.raises(InvalidArgument) as error:
        domain.event_from_input("binh-lu", fields, NOW)
    assert any(field in key for key in error.value.fields)


def test_captured_events_accept_cbv_uris_and_reject_unknown_steps():
    raw = {"type": "ObjectEvent", "eventID": "urn:uuid:1", "action": "OBSERVE",
           "eventTime": "2026-05-01T01:00:00Z", "eventTimeZoneOffset": "+07:00",
           "bizStep": "https://ref.gs1.org/cbv/BizStep-shipping",
           "disposition": "urn:epcglobal:cbv:disp:in_transit",
           "readPoint": {"id": "urn:commune:binh-lu:producer:htx"},
           "quantityList": [{"epcClass": "https://id.gs1.org/01/08930000000019/10/A"}]}
    assert epcis.validate(raw)["bizStep"] == "shipping"
    with pytest.raises(InvalidArgument) as error:
        epcis.validate({**raw, "bizStep": "urn:epcglobal:cbv:bizstep:juggling"}, 3)
    assert "epcisBody.eventList[3].bizStep" in error.value.fields


def history(*steps):
    return [event(s, f"2026-05-0{i + 1}T08:00:00+07:00", batch=NOODLE)
            for i, s in enumerate(steps)]


def test_shipping_before_packing_is_refused():
    ship = event("shipping", "2026-05-09T08:00:00+07:00", batch=NOODLE)
    with pytest.raises(FailedPrecondition, match="no shipping before packing"):
        epcis.check_history(ship, "object", history("inspecting"), "noodles")
    epcis.check_history(ship, "object", history("inspecting", "packing"), "noodles")


def test_events_out_of_time_order_are_refused():
    early = event("inspecting", "2026-05-01T07:00:00+07:00", batch=NOODLE)
    with pytest.raises(FailedPrecondition, match="earlier than"):
        epcis.check_history(early, "object", history("inspecting", "inspecting"), "noodles")


def test_transformation_inputs_need_a_history_and_farm_steps_come_before_packing():
    t = event("processing", "2026-05-09T08:00:00+07:00", inputs=[STARCH], outputs=[NOODLE])
    with pytest.raises(FailedPrecondition, match="input must have a recorded history"):
        epcis.check_history(t, "input", [], "starch")
    with pytest.raises(FailedPrecondition, match="was shipped"):
        epcis.check_history(t, "input", history("packing", "shipping"), "starch")
    dry = event("drying", "2026-05-09T08:00:00+07:00", batch=NOODLE)
    with pytest.raises(FailedPrecondition, match="already packed"):
        epcis.check_history(dry, "object", history("packing"), "noodles")
    carton = event("packing", "2026-05-09T08:00:00+07:00", parent="T1", children=[NOODLE])
    with pytest.raises(FailedPrecondition, match="packed before"):
        epcis.check_history(carton, "child", history("inspecting"), "noodles")


BATCH = "08930000000026:MD-2026-01"
SEAL = Seal(base64.b64encode(bytes(range(32))).decode())


def linked(events, seal=SEAL):
    """The links the ledger stores for `events`, and the batch's sealed head."""
    links, prev = [], chain.GENESIS
    for seq, e in enumerate(events, 1):
        fields = chain.link(prev, e)
        links.append({"batch": BATCH, "seq": seq, "event": e, **fields,
                      "seal": seal.link(BATCH, seq, fields["hash"])})
        prev = fields["hash"]
    return links, seal.head(BATCH, len(links), prev)


def verify(links, head, keys=None):
    return chain.verify(BATCH, links, head, SEAL, keys)


def test_an_untouched_chain_verifies():
    links, head = linked(history("inspecting", "packing", "shipping"))
    result = verify(links, head)
    assert result.intact and result.checked == 3 and result.head == links[-1]["hash"]
    assert result.anchored_events == 3 and result.anchor_signed and not result.missing_events


def test_a_tampered_event_is_found_where_it_was_changed():
    links, head = linked(history("inspecting", "packing", "shipping"))
    tampered = copy.deepcopy(links)
    tampered[1]["event"]["eventTime"] = "2026-04-01T08:00:00+07:00"
    result = verify(tampered, head)
    assert not result.intact and result.broken_at == 2 and result.checked == 1
    assert "changed after it was recorded" in result.reason


def test_a_removed_or_rehashed_event_breaks_the_chain():
    links, head = linked(history("inspecting", "packing", "shipping"))
    middle = verify([links[0], links[2]], head)
    assert middle.broken_at == 2 and middle.missing_events == 1 and "missing" in middle.reason
    forged = copy.deepcopy(links)
    forged[1]["event"]["cv:note"] = "forged"
    forged[1].update(chain.link(forged[0]["hash"], forged[1]["event"]))  # rehash one link
    result = verify(forged, head)
    assert result.broken_at == 2 and "seal" in result.reason


def test_removing_the_last_events_is_truncation_not_an_intact_shorter_chain():
    links, head = linked(history("inspecting", "packing", "shipping"))
    last = verify(links[:2], head)
    assert not last.intact and last.checked == 2 and last.broken_at == 3
    assert last.anchored_events == 3 and last.missing_events == 1
    assert "last 1 of 3 recorded events are missing" in last.reason
    every = verify([], head)
    assert not every.intact and every.missing_events == 3 and every.broken_at == 1


def test_a_missing_or_forged_head_is_caught_with_the_links_it_would_hide():
    links, head = linked(history("inspecting", "packing", "shipping"))
    forger = Seal(base64.b64encode(bytes(32)).decode())  # any key but the service's
    for bad in (None, {}, {**head, "count": 2, "hash": links[1]["hash"]},
                forger.head(BATCH, 2, links[1]["hash"]), SEAL.head("other:lot", 3, head["hash"])):
        result = verify(links[:2], bad)
        assert not result.intact and not result.anchor_signed, bad
        assert "sealed head" in result.reason
    # a shorter head sealed for another batch's chain, or an old head, does not name the end
    assert verify(links, SEAL.head(BATCH, 2, links[0]["hash"])).broken_at == 2


def test_a_link_added_without_the_service_key_is_refused_and_a_late_head_is_not():
    events = history("inspecting", "packing", "shipping")
    links, head = linked(events)
    _, early_head = linked(events[:2])
    assert verify(links, early_head).intact  # the head lags while a writer appends
    forged, _ = linked(events, Seal(base64.b64encode(bytes(32)).decode()))
    appended = links[:2] + forged[2:]
    result = verify(appended, early_head)
    assert not result.intact and result.broken_at == 3 and "seal" in result.reason


def test_signed_links_verify_only_with_the_signers_key():
    private = chain.new_private_key()
    links, head = linked(history("inspecting"))
    links[0]["signature"] = chain.sign(private, "htx-mien-dong", links[0]["content_hash"])
    assert verify(links, head, {"htx-mien-dong": chain.public_key_of(private)}).intact
    other = chain.public_key_of(chain.new_private_key())
    assert "does not verify" in verify(links, head, {"htx-mien-dong": other}).reason
    assert "no known key" in verify(links, head, {}).reason


def test_an_epcis_event_at_another_communes_place_is_refused_naming_the_field():
    shipped = epcis.validate({**CAPTURED, "bizLocation": {
        "id": "urn:commune:lung-phinh:producer:htx-x"}})
    epcis.check_commune(epcis.validate(CAPTURED), "binh-lu", 0)
    with pytest.raises(InvalidArgument, match="lung-phinh") as error:
        epcis.check_commune(shipped, "binh-lu", 4)
    assert error.value.fields == {"epcisBody.eventList[4].bizLocation.id": "another commune"}


def test_canonical_json_ignores_key_order_and_keeps_vietnamese():
    assert chain.canonical({"b": 1, "a": "Bình Lư"}) == '{"a":"Bình Lư","b":1}'.encode()


def test_export_then_capture_gives_back_the_same_events():
    events = history("inspecting", "packing")
    document = epcis.document(events, NOW)
    assert epcis.events_of(document, NOW) == events
    document["epcisBody"]["eventList"].append(dict(events[0]))
    with pytest.raises(InvalidArgument, match="repeats an eventID"):
        epcis.events_of(document, NOW)


CAPTURED = {"type": "ObjectEvent", "eventID": "urn:uuid:1", "action": "OBSERVE",
            "eventTime": "2026-05-01T01:00:00Z", "eventTimeZoneOffset": "+07:00",
            "bizStep": "shipping", "readPoint": {"id": "urn:commune:binh-lu:producer:htx"},
            "quantityList": [{"epcClass": "https://id.gs1.org/01/08930000000019/10/A"}]}


@pytest.mark.parametrize("extra,field", [
    ({"sensorElementList": 5}, "sensorElementList"),
    ({"sensorElementList": [5]}, "sensorElementList"),
    ({"sensorElementList": [{"sensorReport": [5]}]}, "sensorElementList"),
    ({"cv:note": ["not", "text"]}, "cv:note")])
def test_captured_extras_the_page_reads_are_checked_before_they_are_stored(extra, field):
    with pytest.raises(InvalidArgument) as error:
        epcis.validate({**CAPTURED, **extra}, index=0)
    assert f"epcisBody.eventList[0].{field}" in error.value.fields


def test_sensor_reports_without_a_value_or_unit_still_make_a_timeline_line():
    e = epcis.validate({**CAPTURED, "sensorElementList": [{"sensorReport": [
        {"type": "gs1:Temperature", "value": 4.5, "uom": "CEL"},
        {"type": "gs1:Humidity", "stringValue": "dry"}]}]})
    entry = domain.timeline_entry(e, {"seq": 1, "hash": "h"}, {})
    assert entry["readings"] == ["Temperature 4.5 CEL", "Humidity"]


@pytest.mark.parametrize("location", [
    {"type": "Point", "coordinates": ["103", "22"]}, {"type": "Point", "coordinates": [200, 22]},
    {"type": "Polygon", "coordinates": 5}, {"type": "Polygon", "coordinates": [5]},
    {"type": "Line", "coordinates": [103, 22]}])
def test_malformed_area_locations_are_invalid_arguments(location):
    fields = {"code": "vung-dong", "name": "Vùng đồi", "village": "Bản Mới", "crop": "dong riềng",
              "area_ha": 12, "location": location}
    with pytest.raises(InvalidArgument) as error:
        validated(domain.Area, fields, "area")
    assert "location" in error.value.fields
