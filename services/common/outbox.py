"""The outbox: a change and the events that announce it are stored in one document (the
only atomic write FerretDB and a standalone MongoDB offer), then published, then
removed from the document. A relay republishes what stayed unsent; consumers'
idempotency absorbs the duplicates this can make.

Pending events live in a map keyed by event id, because FerretDB 1.24 ignores a
conditional $pull; $unset of one key works on both databases. In a document that
several processes change (versioned, with VersionClaims), removing the sent events is a
write like any other: it claims the next version, or it could undo a concurrent change."""
import datetime as dt
import time

from pymongo.collection import Collection

from . import metrics
from .broker_lost import BROKER_LOST
from .envelope import Envelope
from .idempotency import VersionClaims
from .logs import get_logger
from .publisher import Publisher

log = get_logger(__name__)
# What an operator is alerted on (deploy/k8s/components/monitoring): events that the relay
# found unsent and could not send either, per outbox collection.
unsent = metrics.gauge("platform", "outbox_unsent_events",
                       "Events older than the relay's wait still unsent after its last pass",
                       ("collection",))

PENDING = {"outbox": {"$exists": True, "$ne": {}}}


def pending(*envelopes: Envelope) -> dict:
    """The fields to store with a change so that its events go out with it."""
    return {"outbox": {e.id: e.model_dump(mode="json") for e in envelopes}}


CLAIM_ATTEMPTS = 20
CLAIM_PAUSE_S = 0.05


class Outbox:
    def __init__(self, collection: Collection, publisher: Publisher,
                 versions: VersionClaims | None = None):
        self._collection = collection
        self._publisher = publisher
        self._versions = versions

    def flush(self, document_id, outbox: dict | None = None) -> int:
        """Publish a document's pending events and mark each sent; returns how many went
        out. With the broker out of reach the rest stay pending for the relay."""
        if outbox is None:
            found = self._collection.find_one({"_id": document_id}, {"outbox": 1}) or {}
            outbox = found.get("outbox", {})
        sent = []
        for event_id, event in outbox.items():
            try:
                self._publisher.publish(Envelope.model_validate(event))
            except BROKER_LOST as exc:
                log.warning("event left in the outbox", event_id=event_id, error=str(exc))
                break
            sent.append(event_id)
        if sent:
            self._remove(document_id, sent)
        return len(sent)

    def _remove(self, document_id, event_ids: list[str]) -> None:
        unset = {"$unset": {f"outbox.{event_id}": "" for event_id in event_ids}}
        if self._versions is None:
            self._collection.update_one({"_id": document_id}, unset)
            return
        for _ in range(CLAIM_ATTEMPTS):
            found = self._collection.find_one({"_id": document_id}, {"version": 1, "tenant": 1})
            if found is None:
                return
            version = found["version"] + 1
            if self._versions.claim(document_id, version, found["tenant"]):
                self._collection.update_one({"_id": document_id, "version": found["version"]},
                                            {**unset, "$set": {"version": version}})
                return
            time.sleep(CLAIM_PAUSE_S)
        # Busy writers: the events stay for the relay, which sends them again (consumers
        # absorb the duplicates).
        log.warning("sent events left in the outbox", document_id=document_id,
                    count=len(event_ids))

    def relay(self, older_than: dt.timedelta = dt.timedelta(seconds=10)) -> int:
        """Republish events left unsent (a crash or outage between store and publish)."""
        cutoff = dt.datetime.now(dt.UTC) - older_than
        sent = found = 0
        for document in self._collection.find(PENDING, {"outbox": 1}):
            stale = {event_id: event for event_id, event in document["outbox"].items()
                     if dt.datetime.fromisoformat(event["time"]) < cutoff}
            if stale:
                found += len(stale)
                sent += self.flush(document["_id"], stale)
        unsent.labels(self._collection.full_name).set(found - sent)
        if sent:
            log.warning("outbox relayed events left unsent", count=sent)
        return sent
