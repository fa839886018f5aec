"""Removing links from a batch's chain on the real database is found by verification:
the last link, a middle one, and the last link together with the batch's head. The
public page's snapshot warns, a broken chain takes no new events, and putting the
records back makes the batch whole again. Also: an EPCIS document at another commune's
place is refused naming the field, and nothing of it is stored."""
import datetime as dt
import itertools

import pytest

from services.common.errors import FailedPrecondition, InvalidArgument
from services.trace import demo, epcis, page
from services.trace.config import TraceSettings, seal_of
from services.trace.ledger import Ledger
from services.trace.store import TraceStore, link_id

pytestmark = pytest.mark.integration

HONEY = "8939999000048"
WHERE = "producer:ho-nuoi-ong-na-da"
STEPS = ("inspecting", "packing", "shipping")
lots = itertools.count(1)


@pytest.fixture(scope="module")
def ledger(mongo, settings):
    store = TraceStore(mongo[f"{settings.namespace}_trace_truncation"])
    store.ensure_indexes()
    ledger = Ledger(store, None, seal_of(settings, TraceSettings()))
    demo.load(ledger)
    return ledger


@pytest.fixture
def batch(ledger) -> str:
    """A honey batch of its own with three events (seq 1-3)."""
    lot = f"MO-T{next(lots)}"
    ledger.create_batch("binh-lu", {"gtin": HONEY, "lot": lot, "producer": "ho-nuoi-ong-na-da",
                                    "produced_on": "2026-04-15", "quantity": 10,
                                    "unit": "chai"}, "t")
    for day, step in enumerate(STEPS, 20):
        ledger.record("binh-lu", {"step": step, "where": WHERE, "when":
                                  f"2026-04-{day}T08:00:00+07:00",
                                  "batch": {"gtin": HONEY, "lot": lot}}, "t")
    return f"0{HONEY}:{lot}"


def record(ledger, batch: str, when="2026-04-30T08:00:00+07:00"):
    return ledger.record("binh-lu", {"step": "receiving", "where": WHERE, "when": when,
                                     "batch": {"gtin": HONEY, "lot": batch.split(":")[1]}},
                         "t")


def remove(ledger, batch: str, *seqs: int) -> list[dict]:
    links = ledger.store.db.links
    removed = [links.find_one({"_id": link_id(batch, seq)}) for seq in seqs]
    links.delete_many({"_id": {"$in": [link_id(batch, seq) for seq in seqs]}})
    return removed


def test_removing_the_last_link_is_found_the_page_warns_and_appends_are_refused(ledger,
                                                                                batch):
    assert ledger.verify("binh-lu", batch)["anchored_events"] == 3
    removed = remove(ledger, batch, 3)
    result = ledger.verify("binh-lu", batch)
    assert not result["intact"] and result["checked"] == 2 and result["broken_at"] == 3
    assert result["anchored_events"] == 3 and result["missing_events"] == 1
    assert result["anchor_signed"] and "last 1 of 3" in result["reason"]
    snapshot = ledger.provenance(batch)
    assert snapshot["verification"]["missing_events"] == 1
    assert "1 of this batch's 3 recorded events are missing" in page.batch_page(snapshot,
                                                                                 "en")
    with pytest.raises(FailedPrecondition, match=f"batch {batch} fails verification"):
        record(ledger, batch)
    assert ledger.store.batch(batch)["seq"] == 3
    ledger.store.db.links.insert_many(removed)
    assert ledger.verify("binh-lu", batch)["intact"]
    assert record(ledger, batch)[0]["links"][0]["seq"] == 4
    assert ledger.provenance(batch)["verification"]["checked"] == 4


def test_removing_a_middle_link_is_found_where_it_is_missing(ledger, batch):
    remove(ledger, batch, 2)
    result = ledger.verify("binh-lu", batch)
    assert not result["intact"] and result["broken_at"] == 2 and result["checked"] == 1
    assert result["missing_events"] == 1 and "event 2 is missing" in result["reason"]
    assert [e["seq"] for e in ledger.rebuild(batch)["timeline"]] == [1, 3]


def test_removing_the_last_link_and_rewriting_the_head_is_found(ledger, batch):
    [last] = remove(ledger, batch, 3)
    second = ledger.store.db.links.find_one({"_id": link_id(batch, 2)})
    batches = ledger.store.db.batches
    batches.update_one({"_id": batch}, {"$unset": {"sealed_head": ""}, "$set": {"seq": 2}})
    result = ledger.verify("binh-lu", batch)
    assert not result["intact"] and not result["anchor_signed"]
    assert "sealed head is missing" in result["reason"]
    assert "seal is missing" in page.batch_page(ledger.provenance(batch), "en")
    # A head that counts the shorter chain, written without the service's key.
    batches.update_one({"_id": batch}, {"$set": {"sealed_head": {
        "count": 2, "hash": second["hash"], "value": last["seal"]}}})
    assert not ledger.verify("binh-lu", batch)["anchor_signed"]
    with pytest.raises(FailedPrecondition, match="fails verification"):
        record(ledger, batch)


def test_an_epcis_document_at_another_communes_place_is_refused_naming_the_field(ledger,
                                                                                 batch):
    event = {"type": "ObjectEvent", "eventID": epcis.new_event_id(), "action": "OBSERVE",
             "eventTime": "2026-04-30T08:00:00+07:00", "eventTimeZoneOffset": "+07:00",
             "bizStep": "shipping",
             "readPoint": {"id": "urn:commune:lung-phinh:producer:ho-nuoi-ong-na-da"},
             "quantityList": [{"epcClass": epcis.class_uri(HONEY, batch.split(":")[1])}]}
    document = epcis.document([event], dt.datetime.now(dt.UTC))
    with pytest.raises(InvalidArgument, match="lung-phinh") as error:
        ledger.capture("binh-lu", document, "t")
    assert error.value.fields == {"epcisBody.eventList[0].readPoint.id": "another commune"}
    assert ledger.store.batch(batch)["seq"] == 3
    assert ledger.store.recorded("binh-lu", event["eventID"]) is None


def test_the_periodic_verification_records_only_what_changed(ledger, batch):
    assert ledger.reverify() == []  # every snapshot already shows its chain's state
    removed = remove(ledger, batch, 3)
    [changed] = ledger.reverify()
    assert changed["batch"] == batch and changed["missing_events"] == 1
    assert ledger.provenance(batch)["verification"]["missing_events"] == 1
    assert ledger.reverify() == []
    ledger.store.db.links.insert_many(removed)
    [restored] = ledger.reverify()
    assert restored["batch"] == batch and restored["intact"]


def test_chains_recorded_before_sealing_are_sealed_once_unless_they_do_not_check(ledger):
    """As an upgrade finds them: links without seals, batches without a sealed head."""
    whole, cut = [f"0{HONEY}:{lot}" for lot in ("MO-OLD1", "MO-OLD2")]
    for old in (whole, cut):
        ledger.create_batch("binh-lu", {"gtin": HONEY, "lot": old.split(":")[1],
                                        "producer": "ho-nuoi-ong-na-da",
                                        "produced_on": "2026-04-15", "quantity": 10,
                                        "unit": "chai"}, "t")
        for day, step in enumerate(STEPS[:2], 20):
            ledger.record("binh-lu", {"step": step, "where": WHERE, "when":
                                      f"2026-04-{day}T08:00:00+07:00",
                                      "batch": {"gtin": HONEY, "lot": old.split(":")[1]}},
                          "t")
        ledger.store.db.links.update_many({"batch": old}, {"$unset": {"seal": ""}})
        ledger.store.db.batches.update_one({"_id": old}, {"$unset": {"sealed_head": ""}})
        assert not ledger.verify("binh-lu", old)["anchor_signed"]
    remove(ledger, cut, 2)
    sealed, refused = ledger.seal_existing()
    assert sealed == [whole] and refused == {cut: "the batch counts 2 events, 1 found"}
    assert ledger.provenance(whole)["verification"]["intact"]
    assert ledger.verify("binh-lu", whole)["anchored_events"] == 2
    assert ledger.seal_existing() == ([], {cut: "the batch counts 2 events, 1 found"})
    assert not ledger.verify("binh-lu", cut)["intact"]


def test_the_page_of_a_batch_whose_record_was_deleted_warns(ledger, batch):
    batches = ledger.store.db.batches
    record = batches.find_one({"_id": batch})
    removed = remove(ledger, batch, 1, 2, 3)
    batches.delete_one({"_id": batch})
    [changed] = ledger.reverify()
    assert changed["batch"] == batch and not changed["intact"]
    assert "record is missing" in ledger.provenance(batch)["verification"]["reason"]
    assert ledger.reverify() == []
    batches.insert_one(record)
    ledger.store.db.links.insert_many(removed)
    ledger.store.db.provenance.delete_one({"_id": batch})
    assert ledger.reverify() == [] and ledger.provenance(batch)["verification"]["intact"]
