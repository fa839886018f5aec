"""Tasks in MongoDB: tasks (with their history and outbox), and each commune's units and
officers."""
import datetime as dt

from pymongo import ReturnDocument, UpdateOne
from pymongo.errors import DuplicateKeyError

from services.common.envelope import Envelope
from services.common.errors import AlreadyExists, FailedPrecondition, NotFound
from services.common.idempotency import EventGuard, VersionClaims
from services.common.mongo import Store, TenantCollection
from services.common.publisher import Publisher

from . import listing
from .domain import ACTIVE, Directory
from .listing import Criteria

# What lists and summaries read of a task: not its history, not its pending events.
LISTED = {"outbox": 0, "history": 0}
# What the business gauges read of a task: its status and what domain.summarize counts.
GAUGED = {"status": 1, "deadline": 1, "created_at": 1, "closed_at": 1, "done_at": 1,
          "progress_log": 1}


class TaskStore(Store):
    INDEXES = [
        ("tasks", [("tenant", 1), ("code", 1)], {"unique": True, "name": "tenant_code"}),
        ("tasks", [("tenant", 1), ("deadline", 1)], {"name": "tenant_deadline"}),
        ("tasks", [("tenant", 1), ("lead_unit", 1), ("status", 1)], {"name": "tenant_unit"}),
        ("units", [("tenant", 1), ("code", 1)], {"unique": True, "name": "tenant_code"}),
        ("officers", [("tenant", 1), ("code", 1)], {"unique": True, "name": "tenant_code"}),
    ]

    def create(self, document: dict, *events: Envelope,
               announce: Publisher | None = None) -> None:
        """Store a new task together with the events that announce it; with a publisher,
        send them at once (else the tasks worker's relay sends them)."""
        recorded = self.outbox.record("tasks", document["_id"], *events)
        try:
            self.db.tasks.insert_one({**document, **recorded.fields})
        except DuplicateKeyError:
            self.outbox.cancel(recorded)
            raise AlreadyExists(
                f"commune {document['tenant']!r} already has a task {document['code']!r}"
            ) from None
        self.outbox.send(recorded, announce)

    def get(self, tenant: str, task_id: str) -> dict:
        task = TenantCollection(self.db.tasks, tenant).by_id(task_id, {"outbox": 0})
        if task is None:
            raise NotFound(f"no task {task_id!r} in commune {tenant!r}")
        return task

    def apply(self, task: dict, changes: dict, entry: dict, now: dt.datetime,
              *events: Envelope, announce: Publisher | None = None) -> dict:
        """Store a change made to `task` as it was read, with its history entry and its
        events (sent at once with a publisher, else by the relay); FailedPrecondition
        when someone changed the task meanwhile (the writer of the next version claims
        it first: VersionClaims)."""
        stored = self.db.tasks.find_one({"_id": task["_id"]}, {"version": 1, "outbox": 1})
        if (stored is None or stored["version"] != task["version"]
                or not self.versions.claim(task["_id"], task["version"] + 1, task["tenant"])):
            raise FailedPrecondition(f"task {task['code']!r} was changed meanwhile; "
                                     "read it again and retry")
        with self.versions.held(task["_id"], task["version"] + 1):
            recorded = self.outbox.record("tasks", task["_id"], *events,
                                          stored=stored.get("outbox"))
            updated = self._update(task, changes, entry, now, recorded.fields)
        if updated is None:
            self.outbox.cancel(recorded)
            raise FailedPrecondition(f"task {task['code']!r} was changed meanwhile; "
                                     "read it again and retry")
        self.outbox.send(recorded, announce)
        return updated

    def _update(self, task: dict, changes: dict, entry: dict, now: dt.datetime,
                outbox_fields: dict) -> dict | None:
        changes = dict(changes)
        pushes = changes.pop("_push", {})
        update = {
            "$set": {**changes, "updated_at": now, "version": task["version"] + 1,
                     **outbox_fields},
            "$push": {"history": entry,
                      **{k: {"$each": v if isinstance(v, list) else [v]}
                         for k, v in pushes.items()}},
        }
        # No projection: FerretDB 1.24 does not implement findAndModify's "fields".
        updated = TenantCollection(self.db.tasks, task["tenant"]).find_one_and_update(
            {"_id": task["_id"], "version": task["version"]}, update,
            return_document=ReturnDocument.AFTER)
        if updated is not None:
            updated.pop("outbox", None)
        return updated

    def select(self, criteria: Criteria) -> list[dict]:
        """The tasks that meet the criteria, as lists and summaries show them."""
        return list(self.db.tasks.find(criteria.mongo(), LISTED))

    def recorded(self, tenant: str) -> list[dict]:
        """Every task of a commune with its history (what a reading as of a past day
        replays)."""
        return list(TenantCollection(self.db.tasks, tenant).find({}, {"outbox": 0}))

    def listed(self, tenant: str, task_id: str) -> dict | None:
        """One task as select() gives it, or None when there is no such task."""
        return TenantCollection(self.db.tasks, tenant).by_id(task_id, LISTED)

    def page(self, criteria: Criteria, page_size: int, page_token: str):
        """One page of the tasks that meet the criteria (listing.page)."""
        return listing.page(self.select(criteria), page_size, page_token)

    def overdue_unannounced(self, today: dt.date) -> list[dict]:
        """Active tasks past their deadline whose task.overdue has not gone out yet."""
        return list(self.db.tasks.find(
            {"status": {"$in": list(ACTIVE)}, "deadline": {"$lt": today.isoformat()},
             "overdue_announced": False}, LISTED))

    def gauged(self, tenant: str):
        """A commune's tasks, one at a time and only what the gauges count: the worker's
        timer never holds the whole list (its high-water mark grew with every task)."""
        return TenantCollection(self.db.tasks, tenant).find({}, GAUGED)

    def tenants(self) -> list[str]:
        return sorted(self.db.tasks.distinct("tenant"))

    def directory(self, tenant: str) -> Directory:
        units = TenantCollection(self.db.units, tenant).find({}, {"code": 1})
        officers = TenantCollection(self.db.officers, tenant).find({}, {"code": 1, "unit": 1})
        return Directory(frozenset(u["code"] for u in units),
                         {o["code"]: o["unit"] for o in officers})

    def load_directory(self, tenant: str, units: list[dict], officers: list[dict]) -> None:
        """Upsert a commune's units and officers by code."""
        for collection, rows in ((self.db.units, units), (self.db.officers, officers)):
            if rows:
                collection.bulk_write([UpdateOne({"tenant": tenant, "code": r["code"]},
                                                 {"$set": {**r, "tenant": tenant}}, upsert=True)
                                       for r in rows])

    def units(self, tenant: str) -> list[dict]:
        return list(TenantCollection(self.db.units, tenant).find({}, {"_id": 0}).sort("code"))

    def officers(self, tenant: str) -> list[dict]:
        return list(TenantCollection(self.db.officers, tenant).find({}, {"_id": 0})
                    .sort("code"))

    @property
    def versions(self) -> VersionClaims:
        return VersionClaims(EventGuard(self.db, self.lane), "tasks.write")

