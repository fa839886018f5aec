"""The trace ledger on the real database: the demo chain recorded through the rules,
idempotent event ids, all-or-nothing capture, concurrent appends to one batch, a
tampered link found by verification, and the outbox relay on the real broker."""
import copy
import datetime as dt
import threading

import pytest

from services.common.envelope import Envelope
from services.common.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    Unavailable,
)
from services.common.publisher import Publisher
from services.common.topology import events_exchange
from services.trace import chain, demo, domain, epcis
from services.trace.config import TraceSettings, seal_of
from services.trace.ledger import Ledger
from services.trace.store import TraceStore, link_id
from tests.helpers import Broker

pytestmark = pytest.mark.integration

NOODLE = "08939999000031:MD-2026-01"
HONEY = {"gtin": "8939999000048", "lot": "MO-2026-04"}


@pytest.fixture(scope="module")
def ledger(mongo, settings):
    store = TraceStore(mongo[f"{settings.namespace}_trace_store"])
    store.ensure_indexes()
    ledger = Ledger(store, None, seal_of(settings, TraceSettings()))
    demo.load(ledger)
    return ledger


def test_the_demo_chain_is_recorded_with_neighbours_and_an_intact_chain(ledger):
    snapshot = ledger.provenance(NOODLE)
    assert [e["step"] for e in snapshot["timeline"]] == [
        "cv:processing", "cv:drying", "inspecting", "packing", "packing", "shipping"]
    assert snapshot["back"][0]["id"] == "08939999000024:TB-2026-01"
    assert snapshot["forward"] == [{"id": "carton:THUNG-MD-2026-01-001",
                                    "carton": "THUNG-MD-2026-01-001"}]
    assert snapshot["verification"]["intact"] and snapshot["verification"]["checked"] == 6
    starch = ledger.provenance("08939999000024:TB-2026-01")
    assert [f["id"] for f in starch["forward"]] == [NOODLE]
    assert starch["producer"]["address"].startswith("Bản Tân Bình")


def test_loading_the_demo_twice_adds_nothing(ledger):
    assert demo.load(ledger) == {"products": 5, "new_batches": 0, "new_events": 0}
    assert ledger.store.batch(NOODLE)["seq"] == 6


def test_a_retried_event_id_is_not_doubled_and_a_reused_one_is_refused(ledger):
    fields = {"step": "inspecting", "where": "producer:ho-nuoi-ong-na-da",
              "when": "2026-04-19T08:00:00+07:00", "batch": HONEY,
              "event_id": "urn:uuid:00000000-0000-4000-8000-000000000001"}
    first = ledger.record("binh-lu", fields, "t")
    again = ledger.record("binh-lu", fields, "t")
    assert not first[0]["duplicate"] and again[0]["duplicate"]
    assert ledger.store.batch("08939999000048:MO-2026-04")["seq"] == 3
    with pytest.raises(AlreadyExists):
        ledger.record("binh-lu", {**fields, "note": "other"}, "t")


def test_an_append_cut_short_after_its_claim_is_settled_by_the_retry(ledger):
    """The database went away between an event id's claim and its links (the
    reliability suite's restart lost an acknowledged event: the retry found the claim and
    answered duplicate). What such an append leaves is written here as it would be."""
    claims, batch = ledger.store.db.event_ids, "08939999000048:MO-2026-04"
    fields = {"step": "inspecting", "where": "producer:ho-nuoi-ong-na-da",
              "when": "2026-04-20T08:00:00+07:00", "batch": HONEY,
              "event_id": "urn:uuid:00000000-0000-4000-8000-0000000000c5"}
    key, long_ago = f"binh-lu|{fields['event_id']}", dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    left = {"_id": key, "tenant": "binh-lu", "eventID": fields["event_id"], "hash": "h",
            "batches": [batch], "pending": True}
    claims.insert_one({**left, "claimed_at": dt.datetime.now(dt.UTC)})
    with pytest.raises(Unavailable):  # an append may still be under way
        ledger.record("binh-lu", fields, "t")
    claims.update_one({"_id": key}, {"$set": {"claimed_at": long_ago}})
    seq = ledger.store.batch(batch)["seq"]
    [recorded] = ledger.record("binh-lu", fields, "t")  # no link was written: recorded now
    assert not recorded["duplicate"] and ledger.store.batch(batch)["seq"] == seq + 1
    assert "pending" not in claims.find_one({"_id": key})
    # the links written, the claim left pending: a retry is the duplicate it is
    claims.update_one({"_id": key}, {"$set": {"pending": True, "claimed_at": long_ago}})
    [again] = ledger.record("binh-lu", fields, "t")
    assert again["duplicate"] and ledger.store.batch(batch)["seq"] == seq + 1
    assert "pending" not in claims.find_one({"_id": key})


def test_unknown_batches_places_and_other_communes_are_refused(ledger):
    base = {"step": "inspecting", "when": "2026-04-20T08:00:00+07:00"}
    with pytest.raises(NotFound, match="no batch"):
        ledger.record("binh-lu", {**base, "where": "producer:ho-nuoi-ong-na-da",
                                  "batch": {**HONEY, "lot": "NOPE"}}, "t")
    with pytest.raises(NotFound, match="no producer"):
        ledger.record("binh-lu", {**base, "where": "producer:nobody", "batch": HONEY}, "t")
    with pytest.raises(NotFound):
        ledger.record("lung-phinh", {**base, "where": "producer:ho-nuoi-ong-na-da",
                                     "batch": HONEY}, "t")


def test_a_capture_document_with_one_bad_event_stores_nothing(ledger):
    before = ledger.store.batch("08939999000048:MO-2026-04")["seq"]
    good = epcis.validate({
        "type": "ObjectEvent", "eventID": "urn:uuid:00000000-0000-4000-8000-0000000000a1",
        "action": "OBSERVE", "eventTime": "2026-04-25T08:00:00+07:00",
        "eventTimeZoneOffset": "+07:00", "bizStep": "shipping",
        "readPoint": {"id": "urn:commune:binh-lu:producer:ho-nuoi-ong-na-da"},
        "quantityList": [{"epcClass": epcis.class_uri(**HONEY)}]})
    # Receiving needs shipping first: fine after `good`, but this one comes before it.
    bad = {**good, "eventID": "urn:uuid:00000000-0000-4000-8000-0000000000a2",
           "bizStep": "receiving", "eventTime": "2026-04-24T08:00:00+07:00"}
    document = epcis.document([good, bad], dt.datetime.now(dt.UTC))
    with pytest.raises(FailedPrecondition, match="earlier than"):
        ledger.capture("binh-lu", document, "t")
    assert ledger.store.batch("08939999000048:MO-2026-04")["seq"] == before
    assert ledger.store.recorded("binh-lu", good["eventID"]) is None
    bad["eventTime"] = "2026-04-26T08:00:00+07:00"
    results = ledger.capture("binh-lu", epcis.document([good, bad], dt.datetime.now(dt.UTC)),
                             "t")
    assert [r["duplicate"] for r in results] == [False, False]
    assert ledger.store.batch("08939999000048:MO-2026-04")["seq"] == before + 2


def test_concurrent_appends_to_one_batch_lose_nothing(ledger):
    rice = {"gtin": "8939999000055", "lot": "SC-2025-10"}
    before = ledger.store.batch("08939999000055:SC-2025-10")["seq"]
    errors = []

    def inspect(n):
        try:
            ledger.record("binh-lu", {"step": "inspecting", "where": "producer:"
                                      "ho-lua-seng-cu-hung-binh", "batch": rice,
                                      "when": f"2025-11-0{n + 1}T08:00:00+07:00"}, "t")
        except (FailedPrecondition, Unavailable) as exc:  # a loser is told so, not lost
            errors.append(exc)
    threads = [threading.Thread(target=inspect, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    batch = ledger.store.batch("08939999000055:SC-2025-10")
    links = ledger.store.links(batch)
    assert len(links) == before + 4 - len(errors) and batch["seq"] == len(links)
    assert ledger.verify("binh-lu", batch["_id"])["intact"]


def test_a_tampered_link_is_reported_where_it_breaks(ledger, mongo, settings):
    links = ledger.store.db.links
    target = link_id(NOODLE, 3)
    original = links.find_one({"_id": target})
    tampered = copy.deepcopy(original["event"])
    tampered["disposition"] = "non_conformant"
    links.update_one({"_id": target}, {"$set": {"event": tampered}})
    try:
        result = ledger.verify("binh-lu", NOODLE)
        assert not result["intact"] and result["broken_at"] == 3 and result["checked"] == 2
        assert ledger.provenance(NOODLE)["verification"]["broken_at"] == 3
    finally:
        links.update_one({"_id": target}, {"$set": {"event": original["event"]}})
    assert ledger.verify("binh-lu", NOODLE)["intact"]


def test_the_relay_publishes_what_the_demo_left_in_the_outbox(ledger, settings):
    broker = Broker(settings)
    queue = broker.capture("trace", "trace.#")
    publisher = Publisher(settings.amqp_uri, settings.namespace)
    try:
        sent = ledger.store.outbox.relay(publisher, dt.timedelta(0))
        types = []
        while (message := queue.get(no_ack=True)) is not None:
            types.append(Envelope.parse(message.body).type)
        assert sent >= 5 and types.count("trace.batch_created") == 5
        assert types.count("trace.event_recorded") >= 15
        assert ledger.store.outbox.relay(publisher, dt.timedelta(0)) == 0
        assert ledger.store.db.outbox_pending.count_documents({}) == 0
    finally:
        publisher.close()
        broker.channel.exchange_delete(events_exchange(settings.namespace, "trace").name)


def test_signed_events_verify_and_a_forged_signature_is_refused(ledger):
    private = chain.new_private_key()
    ledger.save_producer("binh-lu", {
        "code": "ho-ky-so", "name": "Hộ ký số (mẫu)", "kind": "household",
        "village": "Nà Đa", "address": "Bản Nà Đa", "public_key": chain.public_key_of(private)})
    event = domain.event_from_input("binh-lu", {
        "step": "inspecting", "where": "producer:ho-ky-so", "batch": HONEY,
        "when": "2026-05-01T08:00:00+07:00"}, dt.datetime.now(dt.UTC))
    forged = {**event, "eventID": epcis.new_event_id()}
    forged["cv:signature"] = chain.sign(chain.new_private_key(), "ho-ky-so",
                                        chain.content_hash(forged))
    with pytest.raises(InvalidArgument, match="does not verify"):
        ledger.append("binh-lu", [forged], "t")
    event["cv:signature"] = chain.sign(private, "ho-ky-so", chain.content_hash(event))
    ledger.append("binh-lu", [event], "t")
    batch = ledger.store.batch("08939999000048:MO-2026-04")
    assert ledger.store.links(batch)[-1]["signature"]["signer"] == "ho-ky-so"
    assert ledger.verify("binh-lu", batch["_id"])["intact"]
    exported = ledger.export("binh-lu", batch["_id"])["epcisBody"]["eventList"][-1]
    assert exported["cv:signature"] == event["cv:signature"]
    captured = domain.event_from_input("binh-lu", {
        "step": "inspecting", "where": "producer:ho-ky-so", "batch": HONEY,
        "when": "2026-05-02T08:00:00+07:00"}, dt.datetime.now(dt.UTC))
    captured["cv:signature"] = chain.sign(private, "ho-ky-so", chain.content_hash(captured))
    ledger.capture("binh-lu", epcis.document([captured], dt.datetime.now(dt.UTC)), "t")
    assert ledger.store.links(batch)[-1]["signature"] == captured["cv:signature"]
    forged = {**captured, "eventID": epcis.new_event_id()}
    with pytest.raises(InvalidArgument, match="does not verify"):
        ledger.capture("binh-lu", epcis.document([forged], dt.datetime.now(dt.UTC)), "t")


def test_products_page_by_gtin_and_refuse_foreign_tokens(ledger):
    first, token = ledger.products("binh-lu", "", 3)
    rest, end = ledger.products("binh-lu", token, 3)
    assert [p["gtin"] for p in first + rest] == sorted(p["gtin"] for p in first + rest)
    assert len(first) == 3 and len(rest) == 2 and end == ""
    for token, size in (("abc", 3), ("-3", 3), ("", -1)):
        with pytest.raises(InvalidArgument):
            ledger.products("binh-lu", token, size)
