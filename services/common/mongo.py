"""MongoDB access the portable way (MongoDB >= 6 and FerretDB 1.24 alike): one client per
process, one database per service, every query scoped to a tenant."""
from collections.abc import Mapping, Sequence

import pymongo
from pymongo.collection import Collection
from pymongo.database import Database

from .outbox import Outbox
from .settings import Settings
from .write_lane import WriteLane

# (collection, keys, options) as pymongo's create_index takes them.
IndexSpec = tuple[str, Sequence[tuple[str, int]], Mapping]


def make_client(settings: Settings) -> pymongo.MongoClient:
    # FerretDB is no replica set: no retryable writes, whatever the URI says.
    return pymongo.MongoClient(settings.mongo_uri, retryWrites=False, tz_aware=True,
                               serverSelectionTimeoutMS=5000, uuidRepresentation="standard")


def database_name(settings: Settings, service: str) -> str:
    return f"{settings.namespace}_{service}"


def ensure_indexes(db: Database, specs: Sequence[IndexSpec]) -> None:
    """Create the indexes a store needs; repeated calls are no-ops."""
    for collection, keys, options in specs:
        db[collection].create_index(list(keys), **options)


class Store:
    """Base of a service's repository: the database and the indexes it needs."""

    INDEXES: Sequence[IndexSpec] = ()

    def __init__(self, db: Database):
        self.db = db
        # Inserts share round trips through it: one store per database and process.
        self.lane = WriteLane(db)
        # Where the events of its writes wait until sent (outbox.py).
        self.outbox = Outbox(db)

    def ensure_indexes(self) -> None:
        ensure_indexes(self.db, self.INDEXES)

    def insert(self, collection: str, document: dict) -> bool:
        """Insert a document through the write lane; False when its _id is taken."""
        return self.lane.insert(collection, document)


class TenantCollection:
    """A collection seen through one tenant: every filter and every new document carries
    the tenant, so no query can reach another commune's data by omission."""

    def __init__(self, collection: Collection, tenant: str):
        if not tenant:
            raise ValueError("a tenant is required")
        self.collection = collection
        self.tenant = tenant

    def _scoped(self, filter: Mapping | None) -> dict:
        return {**(filter or {}), "tenant": self.tenant}

    def insert_one(self, document: Mapping):
        return self.collection.insert_one({**document, "tenant": self.tenant})

    def by_id(self, document_id, projection: Mapping | None = None) -> dict | None:
        """The tenant's document of that _id, or None. The filter is the _id alone and
        the tenant is checked here: FerretDB scans the whole collection for any other
        filter (see DESIGN.md), so adding the tenant to it made a lookup cost a scan."""
        if projection and any(projection.values()):  # an inclusion must include the tenant
            projection = {**projection, "tenant": 1}
        found = self.collection.find_one({"_id": document_id}, projection)
        return found if found is not None and found.get("tenant") == self.tenant else None

    def find_one(self, filter: Mapping | None = None, *args, **kwargs):
        return self.collection.find_one(self._scoped(filter), *args, **kwargs)

    def find(self, filter: Mapping | None = None, *args, **kwargs):
        return self.collection.find(self._scoped(filter), *args, **kwargs)

    def update_one(self, filter: Mapping, update: Mapping, **kwargs):
        return self.collection.update_one(self._scoped(filter), update, **kwargs)

    def find_one_and_update(self, filter: Mapping, update: Mapping, **kwargs):
        return self.collection.find_one_and_update(self._scoped(filter), update, **kwargs)

    def count_documents(self, filter: Mapping | None = None) -> int:
        return self.collection.count_documents(self._scoped(filter))
