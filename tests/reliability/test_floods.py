"""Floods: far more than the platform handles per second, on the IOC ingest and on the
event path (as fast as the broker takes them: 20-30 times what the pipeline handles, 6-8
times what kpi handles on the 2-core machine, where the broker's own intake is the cap).
The excess waits in the broker (backpressure: bounded prefetch, a batch of bounded
bytes), no process dies, memory stays bounded while the flood is in (sampled), and after
the drain every message has been processed exactly once."""
import json
import threading
import time
import uuid

import amqp
import kombu
import pytest

from commune.v1 import events_pb2, tasks_pb2
from services.common.clock import now
from services.common.envelope import Envelope
from services.common.mongo import make_client
from services.common.topology import events_exchange
from services.iocevents.broker import ingest_exchange
from services.iocevents.store import JOURNAL_PREFIX, unpack
from services.kpi.store import KpiStore
from tests.helpers import broker_queues, wait_for
from tests.reliability.conftest import slow
from tests.reliability.workload import TENANT, record

pytestmark = [pytest.mark.e2e, slow]
# Two of the demo registry's cameras that read plates.
DEVICES = ("cam-cong-an-xa-1", "cam-cau-na-da-1")
PAGE_MB = 4096 / 2**20
# Bounds on growth while a flood is in: a process whose memory followed the backlog
# would pass them many times over (20,000 detections are ~10 MB of JSON alone).
GROWTH_MB = 80


class Memory:
    """Resident memory of one process, sampled every half second in a thread."""

    def __init__(self, pid: int):
        self.pid, self.samples, self._stop = pid, [], threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.wait(0.5):
            with open(f"/proc/{self.pid}/statm") as f:
                self.samples.append(int(f.read().split()[1]) * PAGE_MB)

    def stop(self) -> tuple[float, float]:
        self._stop.set()
        self._thread.join()
        return self.samples[0], max(self.samples)


def _depth(settings) -> int:
    with kombu.Connection(settings.amqp_uri) as connection:
        channel = connection.channel()
        return sum(channel.queue_declare(q, passive=True).message_count
                   for q in broker_queues(settings) if ".rpc-" not in q)


def _publish_all(direct, exchange, bodies) -> None:
    """As fast as the broker takes them: py-amqp's own publish (kombu's Producer took five
    times as long a message, which made the event flood only 6x what kpi handles), no
    confirm awaited per message (a confirm each paced the flood to what the platform
    handles), one connection straight to the broker, nothing cut. Unconfirmed, a publish
    can be lost on the way (two such connections through toxiproxy lost up to 83 of
    10,000, counted by a queue of the test's own): a passive declare on the channel
    answers only after the broker has routed every publish before it."""
    with kombu.Connection(direct.amqp_uri) as connection:
        exchange(connection.channel()).declare()
        channel = connection.connection.channel()
        for routing_key, body in bodies:
            channel.basic_publish(amqp.Message(body, delivery_mode=2,
                                               content_type="application/json"),
                                  exchange=exchange.name, routing_key=routing_key)
        channel.exchange_declare(exchange.name, exchange.type, passive=True)


def _report(name: str, n: int, publish_s: float, drain_s: float, memory) -> None:
    handled_per_s = n / (publish_s + drain_s)
    record(f"{name}: {n} published in {publish_s:.1f} s ({n / publish_s:.0f}/s, "
          f"{n / publish_s / handled_per_s:.1f}x the {handled_per_s:.0f}/s handled), drained "
          f"{drain_s:.1f} s later; resident memory {memory[0]:.0f} MB at the start, "
          f"{memory[1]:.0f} MB at most")


def test_a_flood_of_detections_waits_in_the_broker_and_is_all_journaled(platform):
    settings, direct = platform.settings, platform.direct
    prefix, per_message, messages = f"flood{uuid.uuid4().hex[:4]}", 100, 2000
    bodies = [(f"detection.{TENANT}", json.dumps({"detections": [
        {"id": f"{prefix}-{m}-{i}", "tenant": TENANT, "deviceId": DEVICES[i % 2],
         "time": now().isoformat(), "kind": "plate_read", "confidence": 0.9,
         "plate": {"text": f"30F-{m:03d}.{i:02d}"}} for i in range(per_message)]}))
              for m in range(messages)]
    memory = Memory(platform.processes["pipeline"].popen.pid)
    started = time.monotonic()
    _publish_all(direct, ingest_exchange(settings.namespace), bodies)
    published = time.monotonic()
    assert _depth(direct) > 0  # it did not keep up: the broker holds the rest
    wait_for(lambda: _depth(direct) == 0, 600, 1.0, "the flood to drain")
    drained = time.monotonic()
    sampled = memory.stop()
    _report("IOC flood", messages * per_message, published - started, drained - published,
            sampled)
    assert platform.died() == []
    assert sampled[1] - sampled[0] < GROWTH_MB

    def journaled():
        client = make_client(direct)
        try:
            journal = client[f"{direct.namespace}_iocevents_journal"]
            return [row["id"] for name in journal.list_collection_names()
                    if name.startswith(JOURNAL_PREFIX)
                    for entry in journal[name].find({}, {"detections": 1})
                    for row in unpack(entry["detections"]) if row["id"].startswith(prefix)]
        finally:
            client.close()
    ids = wait_for(lambda: (found := journaled()) and len(found) >= messages * per_message
                   and found, 120, 1.0, "every detection journaled")
    assert len(ids) == len(set(ids)) == messages * per_message


def test_a_flood_of_events_waits_in_the_broker_and_is_all_applied(platform):
    settings, direct = platform.settings, platform.direct
    tenant, n = f"flood-{uuid.uuid4().hex[:6]}", 10000
    events = [Envelope.wrap("task.created", "tasks", tenant, events_pb2.TaskCreated(
        task=tasks_pb2.Task(id=f"{tenant}-{i}", tenant=tenant, code=f"F-{i}",
                            title="Việc lũ"))) for i in range(n)]
    memory = Memory(platform.processes["kpi"].popen.pid)
    started = time.monotonic()
    _publish_all(direct, events_exchange(settings.namespace, "tasks"),
                 [("task.created", e.to_json()) for e in events])
    published = time.monotonic()
    assert _depth(direct) > 0  # it did not keep up: the broker holds the rest
    wait_for(lambda: _depth(direct) == 0, 900, 1.0, "the flood to drain")
    drained = time.monotonic()
    sampled = memory.stop()
    _report("event flood (task.created to kpi)", n, published - started,
            drained - published, sampled)
    assert platform.died() == []
    assert sampled[1] - sampled[0] < GROWTH_MB

    def created():
        client = make_client(direct)
        try:
            return KpiStore(client[f"{direct.namespace}_kpi"]).tasks_created(tenant)
        finally:
            client.close()
    wait_for(lambda: created() == n, 300, 1.0, "every event applied")
    assert created() == n
