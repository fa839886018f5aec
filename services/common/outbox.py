"""The outbox: a change and the events that announce it are stored in one document (the
only atomic write FerretDB and a standalone MongoDB offer), then published; one relay
per database sends what stayed unsent. Consumers' idempotency (events carry ids)
absorbs the duplicates this can make.

What is unsent is said by a small listing per event in `outbox_pending` (its _id is the
event's id), inserted just before the business write that stores the event in its
document's `outbox` map. Why a listing and not a flag in the document: on FerretDB
1.24 every update, even by _id, scans its whole collection (40-46 ms at 5,000
documents), while an insert costs 0.1 ms and one `delete_many` by `_id $in` scans
only the small listing collection. So a send never writes the business document: it
publishes (the document's earlier unsent events first), then deletes the listings. A
sent event stays in its document until the document's next business write, which keeps
only the events still listed (`record`'s `stored`); documents written once (traces,
links) keep their one write's events.

The relay reads the listings older than a grace (the send right after the write
normally wins), sends them in order and stops at the first failure; a listing whose
document does not hold its event (the write never happened: a crash, a lost race) is
dropped once it is older than ABANDONED."""
import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass

from pymongo.database import Database

from . import metrics
from .broker_lost import BROKER_LOST
from .clock import now
from .envelope import Envelope
from .logs import get_logger
from .publisher import Publisher

log = get_logger(__name__)
# What an operator is alerted on (deploy/k8s/components/monitoring): events that the relay
# found unsent and could not send either, per database's listing collection.
unsent = metrics.gauge("platform", "outbox_unsent_events",
                       "Events older than the relay's wait still unsent after its last pass",
                       ("collection",))

LISTINGS = "outbox_pending"
# How long an event may wait for the send that follows its write before the relay sends it.
GRACE = dt.timedelta(seconds=10)
# A listing whose document still lacks its event after this long belongs to a write that
# never happened (a write takes milliseconds; its retries, seconds).
ABANDONED = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class Recorded:
    """Events listed as unsent for one document. `fields` go into the business write (the
    document's whole `outbox` map); `earlier`: the document's older events still unsent,
    which the send publishes first so that the document's events go out in order."""
    collection: str
    document_id: str
    events: tuple[Envelope, ...]
    fields: dict
    earlier: tuple[Envelope, ...] = ()


def sendable(stored: dict, listed: set[str]) -> dict:
    """Of a document's stored outbox, the events still listed as unsent."""
    return {event_id: event for event_id, event in stored.items() if event_id in listed}


class Outbox:
    """The outbox of one database: its listings and its relay."""

    def __init__(self, db: Database):
        self._db = db
        self._listings = db[LISTINGS]

    def record(self, collection: str, document_id, *events: Envelope,
               stored: dict | None = None) -> Recorded:
        """List `events` as unsent, before the write that stores them with their change.
        `stored`: the outbox of a document written again, as read for this write; its
        sent events are left out of `fields` (trimmed), its unsent ones kept."""
        kept = self._unsent(stored or {})
        at = now()
        if events:
            self._listings.insert_many([
                {"_id": e.id, "collection": collection, "document": document_id, "at": at,
                 "n": n} for n, e in enumerate(events)], ordered=True)
        fields = {"outbox": {**kept, **{e.id: e.model_dump(mode="json") for e in events}}}
        earlier = tuple(Envelope.model_validate(event) for event in kept.values())
        return Recorded(collection, document_id, events, fields, earlier)

    def _unsent(self, stored: dict) -> dict:
        if not stored:
            return {}
        listed = {row["_id"] for row in self._listings.find({"_id": {"$in": list(stored)}},
                                                            {"_id": 1})}
        return sendable(stored, listed)

    def cancel(self, *recorded: Recorded) -> None:
        """Remove the listings of writes that did not happen."""
        ids = [e.id for r in recorded for e in r.events]
        if ids:
            self._listings.delete_many({"_id": {"$in": ids}})

    def send(self, recorded: Recorded, publisher: Publisher | None) -> int:
        """Publish the events of a write just made, after the document's earlier unsent
        ones, in order, and delete their listings; returns how many went out. Without a
        publisher, or with the broker out of reach, the rest is the relay's."""
        if publisher is None:
            return 0
        return self._publish(publisher, (*recorded.earlier, *recorded.events))

    def _publish(self, publisher: Publisher, events, dropped: Sequence[str] = ()) -> int:
        sent = []
        for event in events:
            try:
                publisher.publish(event)
            except BROKER_LOST as exc:
                log.warning("event left in the outbox", event_id=event.id, error=str(exc))
                break
            sent.append(event.id)
        if sent or dropped:
            self._listings.delete_many({"_id": {"$in": [*sent, *dropped]}})
        return len(sent)

    def relay(self, publisher: Publisher, older_than: dt.timedelta = GRACE) -> int:
        """Send the events listed longer than `older_than` (a crash or an outage between
        write and send), oldest first; returns how many went out."""
        at = now()
        listings = list(self._listings.find({"at": {"$lt": at - older_than}})
                        .sort([("at", 1), ("n", 1)]))

        @functools.cache
        def outbox_of(collection: str, document_id) -> dict:
            found = self._db[collection].find_one({"_id": document_id}, {"outbox": 1}) or {}
            return found.get("outbox", {})
        events, dropped = relayable(listings, outbox_of, at)
        sent = self._publish(publisher, [Envelope.model_validate(e) for e in events], dropped)
        if dropped:
            log.warning("outbox listings of writes that never happened dropped",
                        count=len(dropped))
        if sent:
            log.warning("outbox relayed events left unsent", count=sent)
        unsent.labels(self._listings.full_name).set(len(events) - sent)
        return sent


def relayable(listings: list[dict], outbox_of, at: dt.datetime) -> tuple[list[dict], list[str]]:
    """Of listings (oldest first), the events their documents hold, in that order, and the
    ids of the listings to drop: their document lacks the event past ABANDONED."""
    events, dropped = [], []
    for listing in listings:
        event = outbox_of(listing["collection"], listing["document"]).get(listing["_id"])
        if event is not None:
            events.append(event)
        elif listing["at"] < at - ABANDONED:
            dropped.append(listing["_id"])
    return events, dropped
