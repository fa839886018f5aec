"""Tasks in MongoDB, one database per namespace: tasks (with their outbox)."""
from pymongo.errors import DuplicateKeyError

from services.common import outbox
from services.common.envelope import Envelope
from services.common.errors import AlreadyExists, NotFound
from services.common.mongo import Store, TenantCollection
from services.common.publisher import Publisher


class TaskStore(Store):
    INDEXES = [
        ("tasks", [("tenant", 1), ("code", 1)], {"unique": True, "name": "tenant_code"}),
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

    def outbox(self, publisher: Publisher) -> outbox.Outbox:
        return outbox.Outbox(self.db.tasks, publisher)
