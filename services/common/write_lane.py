"""Inserts into a database, written by one caller at a time and in batches: concurrent
callers (threads, or eventlet greenthreads once patched) share round trips.

Why, on FerretDB 1.24 (SQLite): each write is an SQLite transaction on the database's
one file, and writers that meet wait in SQLite's busy handler, which sleeps 1, 2, 5,
10 ms... up to 100 ms before it looks again; while an insert_many of 40 documents
costs little more than one insert_one. So the first caller writes alone; those who
arrive meanwhile queue, and the first of them then writes everything queued (one
insert_many per collection), and so on. Each caller gets its own document's outcome,
as from an insert_one: True, False for a duplicate key, or the error raised.

Updates, replaces and deletes stay outside: FerretDB reads the collection first (a
scan but for an _id it finds early), which would hold up every insert queued behind.
One lane per database in a process, shared by whoever inserts there (a Store has one;
its EventGuard takes it)."""
import threading
from collections import defaultdict

from pymongo.database import Database
from pymongo.errors import BulkWriteError

DUPLICATE_KEY = 11000


class _Queued:
    def __init__(self, collection: str, document: dict):
        self.collection = collection
        self.document = document
        self.inserted = False
        self.error: BaseException | None = None
        self.finished = False
        self.woken = threading.Event()  # finished, or it is this caller's turn to write


class WriteLane:
    def __init__(self, db: Database):
        self.db = db
        self._lock = threading.Lock()
        self._queue: list[_Queued] = []
        self._writing = False

    def insert(self, collection: str, document: dict) -> bool:
        """Insert `document` into `collection`; False when its _id is taken."""
        return self.insert_all([(collection, document)])[0]

    def insert_all(self, documents: list[tuple[str, dict]]) -> list[bool]:
        """Insert each (collection, document) in the same round trips; for each, False
        when its _id is taken. Raises the first error of one of them."""
        mine = [_Queued(collection, document) for collection, document in documents]
        with self._lock:
            self._queue.extend(mine)  # together, hence in the same batch
            my_turn, self._writing = not self._writing, True
        if not my_turn:
            mine[0].woken.wait()
        if not mine[0].finished:
            self._write_queued()
        for queued in mine:
            if queued.error is not None:
                raise queued.error
        return [queued.inserted for queued in mine]

    def _write_queued(self) -> None:
        """Write what is queued (this caller's documents among it), then hand the turn
        to the first who queued meanwhile, or end the turn."""
        with self._lock:
            batch, self._queue = self._queue, []
        try:
            by_collection = defaultdict(list)
            for queued in batch:
                by_collection[queued.collection].append(queued)
            for name, queued in by_collection.items():
                self._write(name, queued)
        finally:
            # The batch's callers first: those that insert again at once join the next
            # batch (with eventlet, woken greenthreads run in the order woken).
            for queued in batch:
                queued.finished = True
                queued.woken.set()
            with self._lock:
                if self._queue:
                    self._queue[0].woken.set()
                else:
                    self._writing = False

    def _write(self, collection: str, batch: list[_Queued]) -> None:
        for queued in batch:
            queued.inserted = True
        try:
            self.db[collection].insert_many([q.document for q in batch], ordered=False)
        except BulkWriteError as exc:
            for error in exc.details["writeErrors"]:
                queued = batch[error["index"]]
                queued.inserted = False
                if error["code"] != DUPLICATE_KEY:
                    queued.error = BulkWriteError({"writeErrors": [error]})
        except Exception as exc:
            if len(batch) == 1:
                batch[0].inserted, batch[0].error = False, exc
                return
            # One document may be at fault (or the connection): each caller gets the
            # outcome of its own document, never another's error.
            for queued in batch:
                self._write(collection, [queued])

