"""The trace worker's in-memory state for the public pages, shared by its workers: the
rate limiter, the scan counter, the provenance mirror and the rendered-page cache. The
process listens to the trace events of every process (its own queue, bound for as long
as it runs): each one re-reads the snapshot of the batch it names and drops its cached
pages. A full re-read every `mirror_refresh_s` covers events missed while reconnecting."""
import json
import time

import kombu
from kombu.exceptions import KombuError
from nameko.extensions import DependencyProvider
from pymongo.database import Database

from services.common import logs, metrics
from services.common.broker_lost import BROKER_LOST
from services.common.envelope import Envelope, InvalidEvent
from services.common.mongo import database_name, make_client
from services.common.nameko_ext.web import ClientLimit
from services.common.settings import get_settings
from services.common.topology import events_exchange

from .config import get_trace_settings
from .mirror import Mirror
from .page_cache import PageCache
from .scan_counter import ScanCounter

log = logs.get_logger(__name__)
INVALIDATING = ("trace.event_recorded", "trace.batch_verified", "trace.batch_created")
LOAD_BATCH = 200
mirrored = metrics.gauge("trace", "mirrored_batches", "Provenance snapshots held in memory")


def encode(snapshot: dict) -> bytes:
    return json.dumps(snapshot, ensure_ascii=False, default=str).encode()


class PublicState:
    def __init__(self, db: Database):
        settings = get_trace_settings()
        self.db = db
        self.limit = ClientLimit(settings.rate_limit, "trace-public")
        self.scans = ScanCounter()
        self.pages = PageCache(settings.page_cache_s)
        self.mirror = Mirror()

    def snapshot(self, batch: str) -> dict | None:
        """A batch's provenance snapshot: from memory, or (before the first full read, or
        for a batch it has not heard of yet) from the database."""
        held = self.mirror.get(batch)
        if held is None:
            held = self._read(batch)
        return json.loads(held[1]) if held else None

    def refresh(self, batch: str) -> None:
        """Re-read one batch's snapshot (after a change) and drop its rendered pages."""
        if not self._read(batch):
            self.mirror.drop(batch)
        self.pages.invalidate(batch)

    def _read(self, batch: str) -> tuple[str, bytes] | None:
        found = self.db.provenance.find_one({"_id": batch}, {"updated_at": 0})
        if found is None:
            return None
        held = found["tenant"], encode(found)
        self.mirror.put(batch, *held)
        return held

    def load_all(self) -> None:
        snapshots = {}
        cursor = self.db.provenance.find({}, {"updated_at": 0}, batch_size=LOAD_BATCH)
        for n, doc in enumerate(cursor, 1):
            snapshots[doc["_id"]] = (doc["tenant"], encode(doc))
            if n % LOAD_BATCH == 0:
                time.sleep(0)  # under eventlet: let the requests run between batches
        self.mirror.replace(snapshots)
        mirrored.set(len(snapshots))


class PublicStateProvider(DependencyProvider):
    def setup(self):
        settings = get_settings()
        self.client = make_client(settings)
        self.state = PublicState(self.client[database_name(settings, "trace")])
        self.running = True

    def start(self):
        self.container.spawn_managed_thread(self._keep_mirror)
        self.container.spawn_managed_thread(self._listen)

    def stop(self):
        self.running = False
        self.client.close()

    def kill(self):
        self.stop()

    def get_dependency(self, worker_ctx):
        return self.state

    def _keep_mirror(self):
        while self.running:
            try:
                self.state.load_all()
            except Exception as exc:  # the database may be away: lookups fall back to it
                log.warning("provenance mirror not loaded", error=str(exc))
            time.sleep(get_trace_settings().mirror_refresh_s)

    def _listen(self):
        settings = get_settings()
        exchange = events_exchange(settings.namespace, "trace")
        bindings = [kombu.binding(exchange, routing_key=key) for key in INVALIDATING]
        while self.running:
            try:
                with kombu.Connection(settings.amqp_uri) as connection:
                    queue = kombu.Queue(exchange=exchange, bindings=bindings, exclusive=True,
                                        auto_delete=True)
                    with connection.Consumer(queue, on_message=self._on_message, no_ack=True):
                        while self.running:
                            try:
                                connection.drain_events(timeout=1)
                            except TimeoutError:
                                pass
            except (*BROKER_LOST, KombuError) as exc:
                log.warning("trace event listener reconnecting", error=str(exc))
                time.sleep(1)  # eventlet's sleep in the worker (monkey-patched)

    def _on_message(self, message):
        try:
            subject = Envelope.parse(message.body).subject
            if subject:
                self.state.refresh(subject)
        except InvalidEvent as exc:
            log.warning("trace event listener ignored a message", error=str(exc))
        except Exception as exc:  # the database away: the next full read catches up
            log.warning("trace event listener could not refresh", error=str(exc))
