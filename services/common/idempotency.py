"""Each consumer handles an event id once: a unique index on (consumer, event id).

A worker claims the id before the work (the insert that the unique index lets only one
worker win), marks it done after the work is stored, and releases it when the work
failed so that a retry can claim it again. A claim left by a worker that died is taken
over once it is older than the lease. A crash after the work but before the mark
re-runs the handler on redelivery: handlers write with upserts keyed by business ids,
which makes that re-run harmless."""
import datetime as dt
from enum import Enum

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from .mongo import IndexSpec

COLLECTION = "handled_events"
INDEXES: list[IndexSpec] = [
    (COLLECTION, [("consumer", 1), ("event_id", 1)], {"unique": True, "name": "consumer_event"}),
]
# Longer than any handler should run; a claim this old belongs to a worker that died.
CLAIM_LEASE = dt.timedelta(seconds=60)


class Claim(Enum):
    WON = "won"      # this worker handles the event
    DONE = "done"    # handled before: a duplicate
    BUSY = "busy"    # another worker is handling it now


class EventGuard:
    def __init__(self, db: Database):
        self._events = db[COLLECTION]

    def claim(self, consumer: str, event_id: str, tenant: str) -> Claim:
        key = {"consumer": consumer, "event_id": event_id}
        now = dt.datetime.now(dt.UTC)
        try:
            self._events.insert_one({**key, "tenant": tenant, "state": "claimed", "at": now})
            return Claim.WON
        except DuplicateKeyError:
            pass
        found = self._events.find_one(key)
        if found is None:  # released between our insert and our read
            return self.claim(consumer, event_id, tenant)
        if found["state"] == "done":
            return Claim.DONE
        if found["at"] > now - CLAIM_LEASE:
            return Claim.BUSY
        taken = self._events.update_one({**key, "state": "claimed", "at": found["at"]},
                                        {"$set": {"at": now}})
        return Claim.WON if taken.modified_count else Claim.BUSY

    def done(self, consumer: str, event_id: str) -> None:
        self._events.update_one({"consumer": consumer, "event_id": event_id},
                                {"$set": {"state": "done", "at": dt.datetime.now(dt.UTC)}})

    def release(self, consumer: str, event_id: str) -> None:
        self._events.delete_one({"consumer": consumer, "event_id": event_id,
                                 "state": "claimed"})
