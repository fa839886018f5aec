"""Consuming domain events in a nameko service, with nothing lost and nothing spinning.

    @handle_event("tasks", "task.created", TaskCreated)
    def on_task_created(self, event: TaskCreated, envelope: Envelope): ...

- The body is parsed here, not by kombu: a message that is not a valid envelope of the
  expected message, or that names two tenants (its header and envelope, or the
  envelope and its data), goes to the dead-letter queue with the reason (kombu's
  decoding would raise in nameko's consumer thread and stop the service).
- Each event id is handled once per handler (idempotency.EventGuard, in the service's
  Storage database), even when copies arrive at once: a copy whose id another worker
  holds is requeued after a pause. The message is acked only after the work and the
  mark are stored, and logged ("event handled", with its id) just before the ack.
  A handler declared `keyed_by_event=True` stores its work with an insert keyed by the
  event id, which a copy cannot repeat: it runs without the guard, whose claim and mark
  would be two more round trips to the database on each event's path and protect
  nothing.
- A handler that rejects the event (InvalidEvent or another expected error: retrying
  cannot help) sends it to the dead-letter queue at once; one that fails otherwise is
  retried (a copy with an attempt count goes back to the queue)
  and dead-lettered with the error after `max_delivery_attempts`.
- When the database or broker is out of reach the message is requeued after a pause,
  never dead-lettered for an outage.
"""
import time
from functools import cached_property, partial

from kombu.exceptions import OperationalError
from nameko.exceptions import ContainerBeingKilled
from nameko.extensions import Entrypoint
from nameko.messaging import QueueConsumer
from pymongo.errors import ConnectionFailure

from .. import logs, metrics
from ..envelope import Envelope, InvalidEvent
from ..errors import EXPECTED, Unavailable
from ..idempotency import Claim, EventGuard
from ..publisher import Publisher
from ..settings import get_settings
from ..topology import consumer_queue, with_dead_letters
from .dependencies import Storage

log = logs.get_logger(__name__)

ATTEMPTS_HEADER = "x-delivery-attempts"
# Unavailable: a store's own word for the same (a document others kept changing).
TRANSIENT = (ConnectionFailure, OperationalError, ConnectionError, Unavailable)
OUTAGE_PAUSE_S = 1.0


class RawQueueConsumer(QueueConsumer):
    """nameko's QueueConsumer, handing providers the undecoded message."""

    def get_consumers(self, consumer_cls, channel):
        for provider in self._providers:
            consumer = consumer_cls(queues=[provider.queue],
                                    on_message=partial(self.handle_message, provider, None))
            consumer.qos(prefetch_count=self.prefetch_count)
            self._consumers[provider] = consumer
        return self._consumers.values()


class EventHandler(Entrypoint):
    queue_consumer = RawQueueConsumer()

    def __init__(self, source: str, event_type: str, message_class,
                 keyed_by_event: bool = False, **kwargs):
        self.source = source
        self.event_type = event_type
        self.message_class = message_class
        self.guarded = not keyed_by_event
        kwargs.setdefault("expected_exceptions", EXPECTED)
        super().__init__(**kwargs)

    def setup(self):
        settings = get_settings()
        service = self.container.service_name
        self.consumer = f"{service}.{self.method_name}"
        self.queue = consumer_queue(settings.namespace, self.consumer, self.source,
                                    self.event_type)
        self.max_attempts = settings.max_delivery_attempts
        self.publisher = Publisher(settings.amqp_uri, settings.namespace)
        # The queue and its dead-letter queue as `commune topology` declares them.
        self.publisher.declare(*with_dead_letters(settings.namespace, [self.queue]))
        self.outcomes = metrics.counter(service, "events_consumed_total",
                                        "Events taken off a queue, by outcome",
                                        ("event_type", "outcome"))
        self.queue_consumer.register_provider(self)

    @cached_property
    def guard(self) -> EventGuard:
        # nameko sets extensions up concurrently: the Storage's database exists by the
        # first message, not necessarily during setup().
        storage = next(d for d in self.container.dependencies if isinstance(d, Storage))
        return storage.guard

    def stop(self):
        self.queue_consumer.unregister_provider(self)
        self.publisher.close()

    def _count(self, outcome: str) -> None:
        self.outcomes.labels(self.event_type, outcome).inc()

    def handle_message(self, _body, message):
        # Called by the container's one consumer thread: the claim (a round trip to the
        # database) and any pause are made in a thread of the message's own, so that the
        # next messages are taken meanwhile (up to the prefetch, max_workers).
        self.container.spawn_managed_thread(partial(self._start_or_requeue, message),
                                            identifier=f"{self.consumer} message")

    def _start_or_requeue(self, message):
        try:
            self._start(message)
        except TRANSIENT as exc:
            self._pause_and_requeue(message, exc)

    def _start(self, message):
        try:
            envelope = Envelope.parse(message.body, (message.headers or {}).get("tenant"))
            if envelope.type != self.event_type:
                raise InvalidEvent(f"type {envelope.type!r}, expected {self.event_type!r}")
            event = envelope.payload(self.message_class)
        except InvalidEvent as exc:
            self._dead_letter(message, f"invalid event: {exc}")
            return
        claim = (self.guard.claim(self.consumer, envelope.id, envelope.tenant)
                 if self.guarded else Claim.WON)
        if claim is Claim.DONE:
            self._count("duplicate")
            self.queue_consumer.ack_message(message)
            return
        if claim is Claim.BUSY:
            self._count("busy")
            time.sleep(OUTAGE_PAUSE_S)
            self.queue_consumer.requeue_message(message)
            return
        context = {"correlation_id": envelope.correlationid, "tenant": envelope.tenant}
        try:
            self.container.spawn_worker(self, (event, envelope), {}, context_data=context,
                                        handle_result=partial(self.handle_result, message,
                                                              envelope))
        except ContainerBeingKilled:
            self._release(envelope)
            self.queue_consumer.requeue_message(message)

    def handle_result(self, message, envelope, worker_ctx, result=None, exc_info=None):
        try:
            if exc_info is None:
                if self.guarded:
                    self.guard.done(self.consumer, envelope.id)
                self._count("handled")
                log.info("event handled", consumer=self.consumer, event_type=envelope.type,
                         event_id=envelope.id)
                self.queue_consumer.ack_message(message)
                return result, exc_info
            self._release(envelope)
            if isinstance(exc_info[1], TRANSIENT):
                self._pause_and_requeue(message, exc_info[1])
            elif isinstance(exc_info[1], EXPECTED):
                self._dead_letter(message, f"rejected: {exc_info[1]}")
            else:
                self._retry_or_dead_letter(message, exc_info[1])
        except TRANSIENT as exc:
            self._pause_and_requeue(message, exc)
        return result, exc_info

    def _release(self, envelope: Envelope) -> None:
        if self.guarded:
            self.guard.release(self.consumer, envelope.id)

    def _retry_or_dead_letter(self, message, error: BaseException) -> None:
        attempts = int((message.headers or {}).get(ATTEMPTS_HEADER, 1))
        if attempts >= self.max_attempts:
            self._dead_letter(message, f"failed {attempts} times: "
                                       f"{type(error).__name__}: {error}")
            return
        headers = {**(message.headers or {}), ATTEMPTS_HEADER: attempts + 1}
        self.publisher.send_to_queue(self.queue.name, message.body, headers)
        self._count("retried")
        self.queue_consumer.ack_message(message)

    def _dead_letter(self, message, reason: str) -> None:
        log.warning("event dead-lettered", queue=self.queue.name, reason=reason)
        self.publisher.dead_letter(self.queue.name, message.body, message.headers or {}, reason)
        self._count("dead_lettered")
        self.queue_consumer.ack_message(message)

    def _pause_and_requeue(self, message, error: BaseException) -> None:
        log.warning("dependency unavailable; message requeued", queue=self.queue.name,
                    error=f"{type(error).__name__}: {error}")
        self._count("requeued")
        time.sleep(OUTAGE_PAUSE_S)
        self.queue_consumer.requeue_message(message)


handle_event = EventHandler.decorator
