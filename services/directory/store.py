"""The organisation tree in its own database, loaded idempotently."""
from pymongo import UpdateOne

from services.common.mongo import Store, database_name, make_client

from . import tree


class DirectoryStore(Store):
    INDEXES = [("units", [("parent_code", 1)], {"name": "parent"})]

    def load(self, units) -> int:
        """Upsert every unit by code; returns how many were new."""
        result = self.db.units.bulk_write(
            [UpdateOne({"_id": u["code"]}, {"$set": u}, upsert=True) for u in units])
        return result.upserted_count

    def count(self, kind: str) -> int:
        return self.db.units.count_documents({"kind": kind})


def seed(settings) -> str:
    """Demo data: the organisation tree of the two real communes (catalog.DEMO_SEEDS)."""
    store = DirectoryStore(make_client(settings)[database_name(settings, "directory")])
    store.ensure_indexes()
    added = store.load(tree.units())
    counts = ", ".join(f"{store.count(k)} {k}s" for k in ("province", "commune", "village"))
    return f"{counts} ({added} new)"
