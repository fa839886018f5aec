"""Live event streams for gRPC Watch methods: one consumer thread per process reads a
source service's events from a private, self-deleting queue and hands each envelope to
every subscriber of its tenant, and to every listener (a read model kept current by the
events). Watching is live only: what happened before a client subscribed is read with
the List methods."""
import queue
import threading
from collections.abc import Callable

import kombu

from . import logs
from .broker_lost import BROKER_LOST
from .envelope import Envelope, InvalidEvent
from .topology import events_exchange

log = logs.get_logger(__name__)

SUBSCRIBER_BACKLOG = 1000  # a watcher this far behind is dropped, not the process


class Subscription:
    def __init__(self, tenant: str):
        self.tenant = tenant
        self.events: queue.Queue[Envelope | None] = queue.Queue(SUBSCRIBER_BACKLOG)

    def next(self, timeout: float) -> Envelope | None:
        """The next event, or None after `timeout` s or when the fan-out dropped us."""
        try:
            return self.events.get(timeout=timeout)
        except queue.Empty:
            return None


class EventFanout:
    def __init__(self, amqp_uri: str, namespace: str, source: str, routing_key: str):
        self._connection = kombu.Connection(amqp_uri)
        self._queue = kombu.Queue(exchange=events_exchange(namespace, source),
                                  routing_key=routing_key, exclusive=True, auto_delete=True)
        self._subscribers: set[Subscription] = set()
        self._listeners: list[tuple[Callable[[Envelope], None], Callable[[], None]]] = []
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="event-fanout")

    def start(self, timeout: float = 10.0) -> None:
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("the event fan-out could not start consuming")

    def stop(self) -> None:
        self._stopped.set()

    def subscribe(self, tenant: str) -> Subscription:
        subscription = Subscription(tenant)
        with self._lock:
            self._subscribers.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            self._subscribers.discard(subscription)

    def listen(self, on_event: Callable[[Envelope], None], on_gap: Callable[[], None]) -> None:
        """Call on_event with every event, in the consumer thread (so it must be quick),
        and on_gap whenever events may have been missed: at every (re)connection, since
        the private queue and whatever it held go with a lost connection."""
        self._listeners.append((on_event, on_gap))

    def _deliver(self, body, message) -> None:
        message.ack()
        try:
            # One that names two tenants is skipped: a watcher must see only its own.
            envelope = Envelope.parse(message.body, (message.headers or {}).get("tenant"))
        except InvalidEvent as exc:
            log.warning("watch stream skipped an invalid event", reason=str(exc))
            return
        for on_event, _ in self._listeners:
            on_event(envelope)
        with self._lock:
            subscribers = [s for s in self._subscribers if s.tenant == envelope.tenant]
        for subscription in subscribers:
            try:
                subscription.events.put_nowait(envelope)
            except queue.Full:
                log.warning("watcher too slow; dropped", tenant=subscription.tenant)
                self.unsubscribe(subscription)

    def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                with self._connection.clone() as connection, connection.Consumer(
                        self._queue, callbacks=[self._deliver], accept=None,
                        on_decode_error=lambda message, exc: message.ack()):
                    for _, on_gap in self._listeners:
                        on_gap()
                    self._ready.set()
                    while not self._stopped.is_set():
                        try:
                            connection.drain_events(timeout=1)
                        except TimeoutError:
                            continue
            except BROKER_LOST as exc:
                log.warning("watch stream lost the broker; reconnecting", error=str(exc))
                self._stopped.wait(1)
