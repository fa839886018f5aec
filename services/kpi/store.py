"""KPI data in MongoDB: facts about other services' objects and the counts derived
from them."""
from services.common.mongo import Store, TenantCollection

TASKS_CREATED = "tasks_created"


class KpiStore(Store):
    INDEXES = [
        ("task_facts", [("tenant", 1), ("task_id", 1)], {"unique": True, "name": "tenant_task"}),
        ("counts", [("tenant", 1), ("name", 1)], {"unique": True, "name": "tenant_name"}),
    ]

    def record_created_task(self, fact: dict) -> int:
        """Keep the fact once per task (an upsert, so a replay changes nothing) and
        recount; returns the commune's count of created tasks. Handlers run
        concurrently, so a recount may finish after a later one: $max keeps the count
        from going back."""
        self.db.task_facts.update_one({"tenant": fact["tenant"], "task_id": fact["task_id"]},
                                      {"$setOnInsert": fact}, upsert=True)
        count = self.db.task_facts.count_documents({"tenant": fact["tenant"]})
        self.db.counts.update_one({"tenant": fact["tenant"], "name": TASKS_CREATED},
                                  {"$max": {"value": count}}, upsert=True)
        return count

    def count(self, tenant: str, name: str) -> int:
        found = TenantCollection(self.db.counts, tenant).find_one({"name": name})
        return found["value"] if found else 0
