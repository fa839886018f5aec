"""The organisation tree in its own database, loaded idempotently."""
from pymongo import UpdateOne

from services.common.mongo import Store


class DirectoryStore(Store):
    INDEXES = [("units", [("parent_code", 1)], {"name": "parent"})]

    def load(self, units) -> int:
        """Upsert every unit by code; returns how many were new."""
        result = self.db.units.bulk_write(
            [UpdateOne({"_id": u["code"]}, {"$set": u}, upsert=True) for u in units])
        return result.upserted_count

    def count(self, kind: str) -> int:
        return self.db.units.count_documents({"kind": kind})
