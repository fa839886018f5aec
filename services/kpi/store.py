"""KPI data in MongoDB: facts about other services' objects, and what is counted from
them.

The event path only inserts (one fact per object, keyed by _id): on FerretDB 1.24's
SQLite backend concurrent updates of one document lose writes (measured: 40 of 500
concurrent $inc kept), while inserts of a unique _id are safe. Counts are therefore
derived from the facts when asked for, exact at every read."""
from pymongo.errors import DuplicateKeyError

from services.common.mongo import Store, TenantCollection


class KpiStore(Store):
    INDEXES = [("task_facts", [("tenant", 1)], {"name": "tenant"})]

    def record_created_task(self, fact: dict) -> bool:
        """Keep the fact once per task; False when it was already kept (a replay)."""
        try:
            self.db.task_facts.insert_one({"_id": f"{fact['tenant']}:{fact['task_id']}",
                                           **fact})
            return True
        except DuplicateKeyError:
            return False

    def tasks_created(self, tenant: str) -> int:
        return TenantCollection(self.db.task_facts, tenant).count_documents()

    def tenants(self) -> list[str]:
        return sorted(self.db.task_facts.distinct("tenant"))
