"""Each consumer handles an event id once: a unique index on (consumer, event id).

The mark is written after the handler's work is stored, so a crash between the two
re-runs the handler on redelivery: handlers write with upserts keyed by business ids,
which makes that re-run harmless. The guard spares the common case (a redelivered or
republished event after success) any work at all."""
import datetime as dt

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from .mongo import IndexSpec

COLLECTION = "handled_events"
INDEXES: list[IndexSpec] = [
    (COLLECTION, [("consumer", 1), ("event_id", 1)], {"unique": True, "name": "consumer_event"}),
]


class EventGuard:
    def __init__(self, db: Database):
        self._events = db[COLLECTION]

    def seen(self, consumer: str, event_id: str) -> bool:
        return self._events.find_one({"consumer": consumer, "event_id": event_id},
                                     {"_id": 1}) is not None

    def mark(self, consumer: str, event_id: str, tenant: str) -> bool:
        """Record the event as handled; False when it already was."""
        try:
            self._events.insert_one({"consumer": consumer, "event_id": event_id,
                                     "tenant": tenant, "at": dt.datetime.now(dt.UTC)})
            return True
        except DuplicateKeyError:
            return False
