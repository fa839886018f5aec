"""The assistant's records in MongoDB, all keyed by _id (the only lookup FerretDB does
without a scan) and written by insert (the only write it never loses). A conversation's
context is not stored: it travels in the session token the answer gives (app.py).

- traces_YYYYMMDD: one per answer (question with long numbers masked, language, answer,
  sources, confidence, latency, hashed session), with its question_answered event in an
  outbox; one collection per day (UTC), named by the trace id's first part, so that old
  traces can be archived or dropped a day at a time (FerretDB reads a whole collection
  for any filter but _id);
- feedback: one per trace (_id = trace id), with feedback_given;
- handoffs: tickets for an officer, with handoff_requested;
- handoff_moves: what officers (and the unclaimed check) did to a ticket, one insert per
  move keyed `ticket|kind` (desk.py), with its event (handoff_claimed,
  handoff_unclaimed): a ticket is never updated, and a second claim is a duplicate key;
- procedures: the knowledge base as loaded from the data files (by `commune seed`)."""

import datetime as dt
import uuid

from pymongo import ReplaceOne
from pymongo.errors import DuplicateKeyError

from services.common.envelope import Envelope
from services.common.errors import AlreadyExists, NotFound
from services.common.mongo import Store, TenantCollection
from services.common.outbox import Recorded

from .knowledge import KnowledgeBase


class AssistantStore(Store):
    INDEXES = ()

    @staticmethod
    def trace_id(at: dt.datetime) -> str:
        return f"{at:%Y%m%d}-{uuid.uuid4()}"

    @staticmethod
    def traces(day: dt.date) -> str:
        """The name of the collection of one day's traces."""
        return f"traces_{day:%Y%m%d}"


    def add_trace(self, trace: dict, *events: Envelope) -> Recorded:
        collection = self.traces(trace["at"].date())
        recorded = self.outbox.record(collection, trace["_id"], *events)
        self.db[collection].insert_one({**trace, **recorded.fields})
        return recorded

    def drop_traces_before(self, keep_from: dt.date) -> list[str]:
        """Drop the days of traces older than `keep_from`; returns their names."""
        old = sorted(n for n in self.db.list_collection_names()
                     if n.startswith("traces_") and n < self.traces(keep_from))
        for name in old:
            self.db.drop_collection(name)
        return old

    def trace(self, tenant: str, trace_id: str) -> dict:
        try:
            day = dt.datetime.strptime(str(trace_id)[:8], "%Y%m%d").date()
        except ValueError:
            raise NotFound(f"no answer {trace_id!r}: not an id this assistant gave") from None
        found = TenantCollection(self.db[self.traces(day)], tenant).find_one(
            {"_id": trace_id}, {"outbox": 0})
        if found is None:
            raise NotFound(f"no answer {trace_id!r} in commune {tenant!r}")
        return found

    def add_feedback(self, feedback: dict, *events: Envelope) -> Recorded:
        recorded = self.outbox.record("feedback", feedback["_id"], *events)
        try:
            self.db.feedback.insert_one({**feedback, **recorded.fields})
        except DuplicateKeyError:
            self.outbox.cancel(recorded)
            raise AlreadyExists(f"feedback on answer {feedback['_id']!r} was already "
                                "given") from None
        return recorded

    def add_handoff(self, ticket: dict, *events: Envelope) -> Recorded:
        recorded = self.outbox.record("handoffs", ticket["_id"], *events)
        self.db.handoffs.insert_one({**ticket, **recorded.fields})
        return recorded

    # --- the handoff desk -----------------------------------------------------------------

    def handoff(self, tenant: str, ticket_id: str) -> dict:
        found = TenantCollection(self.db.handoffs, tenant).by_id(ticket_id, {"outbox": 0})
        if found is None:
            raise NotFound(f"no handoff ticket {ticket_id!r} in commune {tenant!r}")
        return found

    def handoffs(self, tenant: str | None) -> list[dict]:
        """A commune's tickets (None: every commune's, for the unclaimed check)."""
        return list(self.db.handoffs.find({"tenant": tenant} if tenant else {},
                                          {"outbox": 0}))

    def handoff_moves(self, tenant: str | None, ticket_id: str = "") -> dict[str, list[dict]]:
        """Moves by ticket: of one ticket, of a commune's, or (None) of every commune's.
        One read of the log: a ticket's moves by _id would miss, and a miss scans."""
        where = {"tenant": tenant} if tenant else {}
        if ticket_id:
            where["ticket"] = ticket_id
        moves: dict[str, list[dict]] = {}
        for found in self.db.handoff_moves.find(where, {"outbox": 0}):
            moves.setdefault(found["ticket"], []).append(found)
        return moves

    def add_move(self, move: dict, *events: Envelope) -> Recorded | None:
        """Record a move; None when the ticket already has a move of that kind."""
        recorded = self.outbox.record("handoff_moves", move["_id"], *events)
        try:
            self.db.handoff_moves.insert_one({**move, **recorded.fields})
        except DuplicateKeyError:
            self.outbox.cancel(recorded)
            return None
        return recorded

    def traces_of(self, tenant: str, day: dt.date) -> list[dict]:
        """A commune's answers of one day (UTC), newest first."""
        return sorted(TenantCollection(self.db[self.traces(day)], tenant).find(
            {}, {"outbox": 0}), key=lambda t: t["at"], reverse=True)

    def load_procedures(self, kb: KnowledgeBase) -> int:
        """Upsert the knowledge base by procedure code; returns how many were new."""
        result = self.db.procedures.bulk_write([
            ReplaceOne({"_id": p.code}, {**p.model_dump(mode="json"), "version": kb.version},
                       upsert=True) for p in kb.procedures])
        return result.upserted_count


def seed(settings) -> str:
    """`commune seed`: the knowledge base from the data files into the database."""
    from services.common.mongo import database_name, make_client

    from .knowledge import default

    kb = default()
    client = make_client(settings)
    try:
        new = AssistantStore(client[database_name(settings, "assistant")]).load_procedures(kb)
    finally:
        client.close()
    return f"{len(kb.procedures)} procedures (knowledge version {kb.version}), {new} new"
