"""Each consumer handles an event id once.

A worker claims the id before the work (an insert that a unique _id lets only one worker
win) and records it done after the work is stored (another insert). When the work fails
the claim is released so that a retry can claim it again; a claim left by a worker that
died is taken over once it is older than the lease. A crash after the work but before
the done record re-runs the handler on redelivery: handlers write with inserts or
upserts keyed by business ids, which makes that re-run harmless.

Only inserts and _id lookups are on the per-event path: on FerretDB 1.24's SQLite
backend an update costs more as the collection grows (6 ms at 3,000 documents against
0.4 ms for an insert), and concurrent updates of one document lose writes. The inserts
go through the database's write lane (write_lane), which the caller passes when it has
one (a Store's), so that they share round trips with its other writes.

Records are pruned once older than a retention (COMMUNE_HANDLED_EVENTS_RETENTION_DAYS, 7 by
default), so that the collection does not grow without end. Safe because a duplicate
comes soon after its original: a redelivery when a worker dies before its ack (at once),
a relay's second publish of an event whose listing as unsent outlived its send (the next
relay pass, or the end of a broker outage). A dead-lettered event was never marked done
(its claim is released), so replaying it days later is handled as it should be. A
version claim (VersionClaims) is only needed while its version is being written."""
import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum

from pymongo.database import Database
from pymongo.errors import PyMongoError

from .mongo import IndexSpec
from .write_lane import WriteLane

COLLECTION = "handled_events"
# The key is the _id: FerretDB's SQLite backend answers _id lookups without scanning the
# collection, and this is on every event's path.
INDEXES: list[IndexSpec] = []
# Longer than any handler should run; a claim this old belongs to a worker that died.
CLAIM_LEASE = dt.timedelta(seconds=60)
# A version claim guards one document's write (milliseconds; seconds on a loaded
# machine): one this old was left by a writer that died, or by another process's write
# the database's loss cut short; CLAIM_LEASE would keep the document unwritable a minute.
VERSION_CLAIM_LEASE = dt.timedelta(seconds=10)
# Which process wrote a claim: a process gives back only its own (one taken over since
# is another writer's).
HOLDER = uuid.uuid4().hex
# Version claims (scope, key) whose write failed and whose giving back failed too (the
# database away): given back before this process claims them again.
_LEFT_BEHIND: set[tuple[str, str]] = set()


class Claim(Enum):
    WON = "won"      # this worker handles the event
    DONE = "done"    # handled before: a duplicate
    BUSY = "busy"    # another worker is handling it now


class EventGuard:
    def __init__(self, db: Database, lane: WriteLane | None = None):
        self._events = db[COLLECTION]
        self._lane = lane or WriteLane(db)

    def claim(self, consumer: str, event_id: str, tenant: str,
              lease: dt.timedelta = CLAIM_LEASE) -> Claim:
        key = f"{consumer}|{event_id}"
        now = dt.datetime.now(dt.UTC)
        claim = {"_id": key, "consumer": consumer, "event_id": event_id, "tenant": tenant,
                 "at": now, "holder": HOLDER}
        if self._insert(claim):
            return Claim.WON
        if self._events.find_one({"_id": f"{key}|done"}, {"_id": 1}):
            return Claim.DONE
        held = self._events.find_one({"_id": key}, {"at": 1})
        if held is not None and held["at"] >= now - lease:
            return Claim.BUSY
        if held is not None:  # its worker died: remove that very claim
            self._events.delete_one({"_id": key, "at": held["at"]})
        return Claim.WON if self._insert(claim) else Claim.BUSY

    def _insert(self, document: dict) -> bool:
        return self._lane.insert(COLLECTION, document)

    def done(self, consumer: str, event_id: str) -> None:
        # False when an earlier run of the same event recorded it: nothing to do
        self._insert({"_id": f"{consumer}|{event_id}|done", "at": dt.datetime.now(dt.UTC)})

    def release(self, consumer: str, event_id: str) -> None:
        self._events.delete_one({"_id": f"{consumer}|{event_id}"})

    def release_own(self, consumer: str, event_id: str) -> None:
        """Release the claim if this process holds it."""
        self._events.delete_one({"_id": f"{consumer}|{event_id}", "holder": HOLDER})

    def prune(self, older_than: dt.datetime) -> int:
        """Remove claims and done records written before `older_than`; how many. One
        scan of the collection (a delete by a field scans on FerretDB): run it rarely."""
        return self._events.delete_many({"at": {"$lt": older_than}}).deleted_count


class VersionClaims:
    """The write lock of versioned documents that several processes change: the writer
    of version v+1 of a document claims it first. On FerretDB 1.24 (SQLite) two
    concurrent updates of one document can both succeed, even with the version in their
    filter, and one is lost; a claim is an insert of a unique _id, which only one writer
    wins. A write that fails gives its claim back (`held`), so that the document is
    writable again as soon as the database is; a claim whose writer died is taken over
    after VERSION_CLAIM_LEASE."""

    def __init__(self, guard: EventGuard, scope: str):
        self._guard = guard
        self._scope = scope

    def claim(self, document_id: str, version: int, tenant: str) -> bool:
        """True when this writer may write `version` of the document."""
        key = f"{document_id}:{version}"
        if (self._scope, key) in _LEFT_BEHIND:
            self._guard.release_own(self._scope, key)
            _LEFT_BEHIND.discard((self._scope, key))
        return self._guard.claim(self._scope, key, tenant, VERSION_CLAIM_LEASE) is Claim.WON

    @contextmanager
    def held(self, document_id: str, version: int) -> Iterator[None]:
        """Around the write of a claimed version: gives the claim back if it raises."""
        try:
            yield
        except Exception:
            key = f"{document_id}:{version}"
            try:
                self._guard.release_own(self._scope, key)
            except PyMongoError:
                _LEFT_BEHIND.add((self._scope, key))
            raise
