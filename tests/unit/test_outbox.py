"""The outbox's pure rules: which stored events a write keeps, and what a relay pass
sends or drops."""
import datetime as dt

from services.common.outbox import ABANDONED, relayable, sendable

AT = dt.datetime(2026, 12, 6, 3, 0, tzinfo=dt.UTC)


def listing(event_id: str, document: str, age: dt.timedelta) -> dict:
    return {"_id": event_id, "collection": "docs", "document": document, "at": AT - age, "n": 0}


def test_a_write_keeps_the_stored_events_still_listed_and_trims_the_sent_ones():
    stored = {"e1": {"id": "e1"}, "e2": {"id": "e2"}, "e3": {"id": "e3"}}
    assert sendable(stored, {"e2", "e9"}) == {"e2": {"id": "e2"}}
    assert sendable(stored, set()) == {}


def test_a_relay_pass_sends_in_listing_order_what_the_documents_hold():
    outboxes = {"a": {"e1": {"id": "e1"}, "e3": {"id": "e3"}}, "b": {"e2": {"id": "e2"}}}
    listings = [listing("e1", "a", dt.timedelta(minutes=3)),
                listing("e2", "b", dt.timedelta(minutes=2)),
                listing("e3", "a", dt.timedelta(minutes=1))]
    events, dropped = relayable(listings, lambda _, document: outboxes[document], AT)
    assert [e["id"] for e in events] == ["e1", "e2", "e3"] and dropped == []


def test_a_listing_without_its_event_is_dropped_only_once_abandoned():
    listings = [listing("young", "gone", ABANDONED - dt.timedelta(seconds=1)),
                listing("old", "gone", ABANDONED + dt.timedelta(seconds=1))]
    events, dropped = relayable(listings, lambda *_: {}, AT)
    assert events == [] and dropped == ["old"]
