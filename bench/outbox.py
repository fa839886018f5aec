"""What the outbox costs on FerretDB beside a business collection of 20,000 documents: a
write with its event sent, and a relay pass with nothing left unsent (its steady state,
every 10 s in each worker). The outbox of services/common (a listing per unsent event,
deleted once sent) beside the way before it (the sent event removed from its document
by an update; the relay finding unsent events by a filter on the business collection),
on the same database and broker in the same run, so that the ratio does not depend on
the machine.

    .venv/bin/python -m bench.outbox [--documents 20000] [--writes 30] [--passes 20]

Everything runs in a namespace of its own, removed at the end, whatever happens."""
import argparse
import os
import platform
import time

from bench.harness import bench_namespace, percentile, progress
from commune.v1 import events_pb2, tasks_pb2
from services.common.envelope import Envelope
from services.common.mongo import make_client
from services.common.outbox import Outbox
from services.common.publisher import Publisher
from services.common.settings import Settings
from services.common.topology import events_exchange
from tests.helpers import remove_namespace

INSERT_BATCH = 500
# The old relay's filter: every document whose outbox map is not empty.
OLD_PENDING = {"outbox": {"$exists": True, "$ne": {}}}
# The new way should cost no more than the old one.
TARGET_RATIO = 1.0


def document(number: int) -> dict:
    """About a task's size (1.5 kB), its events already sent."""
    return {"_id": f"doc-{number:06d}", "tenant": "bench-commune", "version": 1,
            "code": f"B-{number:06d}", "title": "Việc của xã " * 8,
            "notes": "Ghi chú tiến độ " * 60, "outbox": {}}


def event(document_id: str) -> Envelope:
    return Envelope.wrap("task.updated", "tasks", "bench-commune", events_pb2.TaskUpdated(
        task=tasks_pb2.Task(id=document_id, tenant="bench-commune")))


class NewWay:
    """services/common/outbox.py, as the services call it."""

    def __init__(self, db, publisher: Publisher):
        self.db, self.publisher, self.box = db, publisher, Outbox(db)
        self.collection = db.new_docs

    def insert(self, document_id: str):
        recorded = self.box.record("new_docs", document_id, event(document_id))
        self.collection.insert_one({**document(0), "_id": document_id, **recorded.fields})
        return lambda: self.box.send(recorded, self.publisher)

    def change(self, document_id: str) -> None:
        stored = self.collection.find_one({"_id": document_id}, {"version": 1, "outbox": 1})
        recorded = self.box.record("new_docs", document_id, event(document_id),
                                   stored=stored["outbox"])
        self.collection.find_one_and_update(
            {"_id": document_id, "version": stored["version"]},
            {"$set": {"version": stored["version"] + 1, **recorded.fields}})
        self.box.send(recorded, self.publisher)

    def relay(self) -> None:
        self.box.relay(self.publisher)


class OldWay:
    """The event in its document, removed by an update once published; the relay reads
    the business collection."""

    def __init__(self, db, publisher: Publisher):
        self.publisher, self.collection = publisher, db.old_docs

    def _sent(self, document_id: str, sent: Envelope) -> None:
        self.publisher.publish(sent)
        self.collection.update_one({"_id": document_id},
                                   {"$unset": {f"outbox.{sent.id}": ""}})

    def insert(self, document_id: str):
        sent = event(document_id)
        self.collection.insert_one({**document(0), "_id": document_id,
                                    "outbox": {sent.id: sent.model_dump(mode="json")}})
        return lambda: self._sent(document_id, sent)

    def change(self, document_id: str) -> None:
        sent = event(document_id)
        stored = self.collection.find_one({"_id": document_id}, {"version": 1})
        self.collection.find_one_and_update(
            {"_id": document_id, "version": stored["version"]},
            {"$set": {"version": stored["version"] + 1,
                      f"outbox.{sent.id}": sent.model_dump(mode="json")}})
        self._sent(document_id, sent)

    def relay(self) -> None:
        list(self.collection.find(OLD_PENDING, {"outbox": 1}))


def seed(db, count: int) -> None:
    for collection in (db.new_docs, db.old_docs):
        for start in range(0, count, INSERT_BATCH):
            collection.insert_many([document(n)
                                    for n in range(start, min(count, start + INSERT_BATCH))])


def timed(action, *args) -> float:
    return timed_result(action, *args)[0]


def timed_result(action, *args) -> tuple[float, object]:
    started = time.perf_counter()
    result = action(*args)
    return (time.perf_counter() - started) * 1000, result


def line(name: str, old: list[float], new: list[float]) -> None:
    mean_old, mean_new = sum(old) / len(old), sum(new) / len(new)
    ratio = mean_new / mean_old
    verdict = "meets" if ratio <= TARGET_RATIO else "misses"
    print(f"{name:<24} old mean {mean_old:8.2f} ms p95 {percentile(old, 95):8.2f}  "
          f"new mean {mean_new:7.2f} ms p95 {percentile(new, 95):7.2f}  "
          f"new/old {ratio:5.3f} ({verdict} <= {TARGET_RATIO})")


def run(settings: Settings, args) -> None:
    client = make_client(settings)
    publisher = Publisher(settings.amqp_uri, settings.namespace)
    try:
        db = client[f"{settings.namespace}_outbox"]
        progress(f"loading {args.documents} documents in each of two collections")
        seed(db, args.documents)
        ways = {"old": OldWay(db, publisher), "new": NewWay(db, publisher)}
        costs = {(op, way): [] for op in ("insert", "write", "change", "relay")
                 for way in ways}
        progress(f"{args.writes} writes of each kind, {args.passes} relay passes, each way "
                 "in turn")
        for n in range(args.writes):
            for name, way in ways.items():
                # A new document's write, then its send (the assistant defers the send).
                written, send = timed_result(way.insert, f"new-{n:06d}")
                costs["write", name].append(written)
                costs["insert", name].append(written + timed(send))
                costs["change", name].append(timed(way.change, f"doc-{n * 97:06d}"))
        for _ in range(args.passes):
            for name, way in ways.items():
                costs["relay", name].append(timed(way.relay))
    finally:
        publisher.close()
        client.close()
    print(f"outbox on FerretDB: {args.documents} documents per collection, "
          f"{os.cpu_count()} cpus, {platform.python_implementation()}")
    line("new document + send", costs["insert", "old"], costs["insert", "new"])
    line("  its write alone", costs["write", "old"], costs["write", "new"])
    line("changed document + send", costs["change", "old"], costs["change", "new"])
    line("relay pass, none unsent", costs["relay", "old"], costs["relay", "new"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=20_000)
    parser.add_argument("--writes", type=int, default=30)
    parser.add_argument("--passes", type=int, default=20)
    args = parser.parse_args()
    with bench_namespace() as (settings, cleanup):
        cleanup.callback(remove_namespace, settings, (),
                         [events_exchange(settings.namespace, "tasks").name])
        run(settings, args)


if __name__ == "__main__":
    main()
