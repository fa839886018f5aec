"""The trace worker's in-memory state for the public pages, shared by its workers: the
rate limiter, the scan counter and the page cache. Each worker process also listens to
the trace events of every process (its own queue, bound for as long as it runs) and
drops the cached pages of the batches they touch."""
import time

import kombu
from nameko.extensions import DependencyProvider

from services.common import logs
from services.common.envelope import Envelope, InvalidEvent
from services.common.settings import get_settings
from services.common.topology import events_exchange

from .config import get_trace_settings
from .limits import PageCache, RateLimiter, ScanCounter

log = logs.get_logger(__name__)
INVALIDATING = ("trace.event_recorded", "trace.batch_verified", "trace.batch_created")


class PublicState:
    def __init__(self):
        settings = get_trace_settings()
        self.limiter = RateLimiter(settings.rate_per_minute, settings.rate_burst)
        self.scans = ScanCounter()
        self.pages = PageCache(settings.page_cache_s)


class PublicStateProvider(DependencyProvider):
    def setup(self):
        self.state = PublicState()
        self.running = True

    def start(self):
        self.container.spawn_managed_thread(self._listen)

    def stop(self):
        self.running = False

    def kill(self):
        self.running = False

    def get_dependency(self, worker_ctx):
        return self.state

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
            except (OSError, kombu.exceptions.KombuError) as exc:
                log.warning("page cache listener reconnecting", error=str(exc))
                time.sleep(1)  # eventlet's sleep in the worker (monkey-patched)

    def _on_message(self, message):
        try:
            self.state.pages.invalidate(Envelope.parse(message.body).subject)
        except InvalidEvent as exc:
            log.warning("page cache listener ignored a message", error=str(exc))
