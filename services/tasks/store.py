"""Tasks in MongoDB: tasks (with their history and outbox), and each commune's units and
officers."""
import base64
import datetime as dt

from pymongo import ReturnDocument, UpdateOne
from pymongo.errors import DuplicateKeyError

from services.common import outbox
from services.common.envelope import Envelope
from services.common.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound
from services.common.idempotency import Claim, EventGuard
from services.common.mongo import Store, TenantCollection
from services.common.periods import Period
from services.common.publisher import Publisher

from .domain import ACTIVE, Directory

MAX_PAGE = 200
DEFAULT_PAGE = 50


def _page_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()


def _offset(token: str) -> int:
    if not token:
        return 0
    try:
        kind, _, value = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
        assert kind == "o" and int(value) >= 0
        return int(value)
    except (ValueError, AssertionError, UnicodeDecodeError):
        raise InvalidArgument("page_token is not one this service gave",
                              {"page_token": "invalid"}) from None


class TaskStore(Store):
    INDEXES = [
        ("tasks", [("tenant", 1), ("code", 1)], {"unique": True, "name": "tenant_code"}),
        ("tasks", [("tenant", 1), ("deadline", 1)], {"name": "tenant_deadline"}),
        ("tasks", [("tenant", 1), ("lead_unit", 1), ("status", 1)], {"name": "tenant_unit"}),
        ("units", [("tenant", 1), ("code", 1)], {"unique": True, "name": "tenant_code"}),
        ("officers", [("tenant", 1), ("code", 1)], {"unique": True, "name": "tenant_code"}),
    ]

    def create(self, document: dict, *events: Envelope) -> None:
        """Store a new task together with the events that announce it."""
        try:
            self.db.tasks.insert_one({**document, **outbox.pending(*events)})
        except DuplicateKeyError:
            raise AlreadyExists(
                f"commune {document['tenant']!r} already has a task {document['code']!r}"
            ) from None

    def get(self, tenant: str, task_id: str) -> dict:
        task = TenantCollection(self.db.tasks, tenant).find_one({"_id": task_id},
                                                                {"outbox": 0})
        if task is None:
            raise NotFound(f"no task {task_id!r} in commune {tenant!r}")
        return task

    def apply(self, task: dict, changes: dict, entry: dict, now: dt.datetime,
              *events: Envelope) -> dict:
        """Store a change made to `task` as it was read, with its history entry and its
        events; FailedPrecondition when someone changed the task meanwhile.

        The writer of version v+1 first claims it: on FerretDB 1.24 (SQLite) two
        concurrent updates of one document can both succeed with the version in their
        filter, and one is lost; a claim is an insert of a unique _id, which only one
        writer wins (a claim whose writer died is taken over after the guard's lease)."""
        claim = EventGuard(self.db).claim("tasks.write", f"{task['_id']}:{task['version'] + 1}",
                                          task["tenant"])
        if claim is not Claim.WON:
            raise FailedPrecondition(f"task {task['code']!r} is being changed by someone "
                                     "else; read it again and retry")
        changes = dict(changes)
        pushes = changes.pop("_push", {})
        update = {
            "$set": {**changes, "updated_at": now, "version": task["version"] + 1,
                     **{f"outbox.{e.id}": e.model_dump(mode="json") for e in events}},
            "$push": {"history": entry,
                      **{k: {"$each": v if isinstance(v, list) else [v]}
                         for k, v in pushes.items()}},
        }
        # No projection: FerretDB 1.24 does not implement findAndModify's "fields".
        updated = TenantCollection(self.db.tasks, task["tenant"]).find_one_and_update(
            {"_id": task["_id"], "version": task["version"]}, update,
            return_document=ReturnDocument.AFTER)
        if updated is None:
            raise FailedPrecondition(f"task {task['code']!r} was changed meanwhile; "
                                     "read it again and retry")
        updated.pop("outbox", None)
        return updated

    def query(self, tenant: str, *, lead_unit: str = "", status: str = "", group: str = "",
              period: Period | None = None, overdue_on: dt.date | None = None) -> dict:
        """The filter for a commune's tasks; overdue_on keeps those overdue on that day
        (active, with a deadline before it)."""
        query: dict = {"tenant": tenant}
        for name, value in (("lead_unit", lead_unit), ("status", status), ("group", group)):
            if value:
                query[name] = value
        deadline: dict = {}
        if period:
            deadline.update({"$gte": period.first_day.isoformat(),
                             "$lte": period.last_day.isoformat()})
        if overdue_on:
            active = [s for s in ACTIVE if not status or s == status]
            query["status"] = {"$in": active}
            deadline["$lt"] = overdue_on.isoformat()
        if deadline:
            query["deadline"] = deadline
        return query

    def page(self, query: dict, page_size: int, page_token: str) -> tuple[list[dict], str, int]:
        """One page of tasks by deadline then code, the next page's token, the total."""
        if page_size < 0:
            raise InvalidArgument("page_size must not be negative", {"page_size": "negative"})
        size = min(page_size or DEFAULT_PAGE, MAX_PAGE)
        offset = _offset(page_token)
        rows = list(self.db.tasks.find(query, {"outbox": 0, "history": 0})
                    .sort([("deadline", 1), ("code", 1)]).skip(offset).limit(size))
        total = self.db.tasks.count_documents(query)
        following = offset + len(rows)
        return rows, (_page_token(following) if following < total else ""), total

    def for_summary(self, query: dict) -> list[dict]:
        return list(self.db.tasks.find(query, {"outbox": 0, "history": 0, "evidence": 0}))

    def overdue_unannounced(self, today: dt.date) -> list[dict]:
        """Active tasks past their deadline whose task.overdue has not gone out yet."""
        return list(self.db.tasks.find(
            {"status": {"$in": list(ACTIVE)}, "deadline": {"$lt": today.isoformat()},
             "overdue_announced": False}, {"outbox": 0, "history": 0}))

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

    def outbox(self, publisher: Publisher) -> outbox.Outbox:
        return outbox.Outbox(self.db.tasks, publisher)
