"""The write lane on the real database: concurrent callers' inserts share round trips,
and each caller gets its own document's outcome (inserted, duplicate, or its error)."""
import threading
import uuid

import pymongo
import pytest
from pymongo import monitoring
from pymongo.errors import BulkWriteError

from services.common.write_lane import WriteLane

pytestmark = pytest.mark.integration


class InsertCommands(monitoring.CommandListener):
    def __init__(self):
        self.count = 0

    def started(self, event):
        self.count += event.command_name == "insert"

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


@pytest.fixture
def counted(settings):
    listener = InsertCommands()
    client = pymongo.MongoClient(settings.mongo_uri, retryWrites=False,
                                 event_listeners=[listener])
    db = client[f"{settings.namespace}_lane_{uuid.uuid4().hex[:8]}"]
    yield db, listener
    client.drop_database(db.name)
    client.close()


def in_threads(count, target):
    results = [None] * count
    threads = [threading.Thread(target=lambda i=i: results.__setitem__(i, target(i)))
               for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_concurrent_inserts_share_round_trips_and_each_gets_its_outcome(counted):
    db, listener = counted
    lane = WriteLane(db)
    db.marks.insert_one({"_id": "taken"})
    before = listener.count

    def insert(i):
        _id = "taken" if i == 0 else f"m{i}"
        return lane.insert_all([("marks", {"_id": _id}), ("facts", {"_id": f"f{i}"})])
    results = in_threads(40, insert)
    assert results[0] == [False, True]  # its mark was a duplicate, its fact was new
    assert all(r == [True, True] for r in results[1:])
    assert db.marks.count_documents({}) == 40 and db.facts.count_documents({}) == 40
    # 40 callers, two collections: one insert command per collection and turn
    assert listener.count - before < 40


def test_an_error_is_raised_by_its_own_caller_only(counted):
    """A document the server refuses fails its caller's insert, not the others' that
    shared the turn with it."""
    db, _ = counted
    lane = WriteLane(db)

    def insert(i):
        try:
            return lane.insert("docs", {"_id": i, **({"$bad": 1} if i == 0 else {})})
        except BulkWriteError as exc:
            return exc.details["writeErrors"][0]["errmsg"]
    results = in_threads(10, insert)
    assert "must not start with '$'" in results[0]
    assert results[1:] == [True] * 9
    assert sorted(d["_id"] for d in db.docs.find()) == list(range(1, 10))
