"""Consuming in batches with kombu, outside nameko: up to `prefetch` unacked messages
from one or more queues, handed over together once the first has waited `linger`
seconds or the batch is full (`prefetch` messages, or `max_bytes` of bodies, so that
what a batch holds in memory does not depend on how senders pack their messages), acked
together (one multiple-ack) after the handler has
stored its work. A handler that raises (the database out of reach) leaves the batch
unacked: the connection is dropped and the broker redelivers every message of it, so
nothing is lost; handlers are idempotent on message content. Between batches `on_idle`
runs (timers)."""
import time
from collections.abc import Callable
from dataclasses import dataclass

import kombu

from . import logs
from .broker_lost import BROKER_LOST

log = logs.get_logger(__name__)
RECONNECT_PAUSE_S = 1.0


@dataclass(frozen=True)
class Incoming:
    routing_key: str
    body: bytes
    headers: dict


class BatchConsumer:
    def __init__(self, amqp_uri: str, queues: list[kombu.Queue],
                 handle: Callable[[list[Incoming]], None], *, prefetch: int = 1000,
                 max_bytes: int = 1 << 20, linger: float = 0.05,
                 on_idle: Callable[[], None] = lambda: None, idle_every: float = 1.0):
        self._uri = amqp_uri
        self._queues = queues
        self._handle = handle
        self._prefetch = prefetch
        self._max_bytes = max_bytes
        self._linger = linger
        self._on_idle = on_idle
        self._idle_every = idle_every
        self._stopped = False
        self._pending: list = []
        self._pending_bytes = 0

    def stop(self) -> None:
        self._stopped = True

    def run(self) -> None:
        while not self._stopped:
            try:
                self._consume()
            except BROKER_LOST as exc:
                log.warning("broker connection lost; reconnecting", error=str(exc))
                time.sleep(RECONNECT_PAUSE_S)
            except Exception as exc:  # the database, mostly: the batch comes back
                log.error("batch failed; its messages will be redelivered",
                          error=f"{type(exc).__name__}: {exc}")
                time.sleep(RECONNECT_PAUSE_S)

    def _receive(self, message) -> None:
        self._pending.append(message)
        self._pending_bytes += len(message.body)

    def _consume(self) -> None:
        with kombu.Connection(self._uri) as connection:
            channel = connection.channel()
            for queue in self._queues:
                queue(channel).declare()
            # on_message: the raw message, not decoded by kombu (the handler parses it).
            consumer = kombu.Consumer(channel, self._queues, on_message=self._receive)
            consumer.qos(prefetch_count=self._prefetch)
            self._pending, self._pending_bytes = [], 0
            next_idle = time.monotonic()
            with consumer:
                while not self._stopped:
                    self._fill(connection)
                    if self._pending:
                        self._dispatch()
                    if time.monotonic() >= next_idle:
                        self._on_idle()
                        next_idle = time.monotonic() + self._idle_every

    def _fill(self, connection) -> None:
        """Wait for a first message (up to the idle period), then linger for more."""
        deadline = None
        while (len(self._pending) < self._prefetch and self._pending_bytes < self._max_bytes
               and not self._stopped):
            now = time.monotonic()
            if deadline is None and self._pending:
                deadline = now + self._linger
            timeout = (deadline - now) if deadline else self._idle_every
            if timeout <= 0:
                return
            try:
                connection.drain_events(timeout=timeout)
            except TimeoutError:
                if not self._pending or deadline is not None:
                    return

    def _dispatch(self) -> None:
        messages, self._pending, self._pending_bytes = self._pending, [], 0
        batch = [Incoming(m.delivery_info.get("routing_key", ""), m.body, m.headers or {})
                 for m in messages]
        self._handle(batch)
        messages[-1].ack(multiple=True)
