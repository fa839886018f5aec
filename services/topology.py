"""The platform's topology on the broker, derived from services/catalog.py: the events
exchange of every service, the dead-letter exchange, every internal consumer's durable
queue bound to what it handles (the nameko services' event handlers, the pipelines'
queues) and a dead-letter queue beside each.

`commune topology` declares it before anything is published (make run, the test
session, the Kubernetes Job): an event published before its consumer first started then
waits in the consumer's queue instead of reaching an exchange with nothing bound."""
from dataclasses import dataclass

import amqp
import kombu

from services import catalog
from services.common import topology
from services.common.nameko_ext.consumer import EventHandler
from services.common.publisher import Publisher
from services.common.settings import Settings


@dataclass(frozen=True, order=True)
class Subscription:
    """One event handler: `consumer` (service.method) names its queue."""

    consumer: str
    source: str
    event_type: str


def subscriptions(workers: dict[str, str] = catalog.WORKERS) -> list[Subscription]:
    """Every handle_event entrypoint of the services in `workers` (name -> class path)."""
    found = []
    for path in workers.values():
        service = catalog.load(path)
        for attribute in dir(service):
            for entrypoint in getattr(getattr(service, attribute), "nameko_entrypoints", ()):
                if isinstance(entrypoint, EventHandler):
                    found.append(Subscription(f"{service.name}.{attribute}",
                                              entrypoint.source, entrypoint.event_type))
    return sorted(found)


@dataclass(frozen=True)
class Topology:
    namespace: str
    exchanges: list[kombu.Exchange]
    consumer_queues: list[kombu.Queue]
    pipeline_queues: list[kombu.Queue]

    @property
    def queues(self) -> list[kombu.Queue]:
        """Every queue, each followed by its dead-letter queue."""
        return topology.with_dead_letters(self.namespace,
                                          self.consumer_queues + self.pipeline_queues)


def derive(namespace: str) -> Topology:
    pipeline_queues = [queue for path in catalog.PIPELINE_QUEUES.values()
                       for queue in catalog.load(path)(namespace)]
    exchanges = {e.name: e for e in [
        *(topology.events_exchange(namespace, source) for source in catalog.WORKERS),
        topology.dead_letter_exchange(namespace), *(q.exchange for q in pipeline_queues)]}
    return Topology(
        namespace=namespace, exchanges=list(exchanges.values()),
        consumer_queues=[topology.consumer_queue(namespace, s.consumer, s.source, s.event_type)
                         for s in subscriptions()],
        pipeline_queues=pipeline_queues)


class Mismatch(Exception):
    """The broker holds an exchange or queue of that name with other settings."""


def declare(settings: Settings) -> Topology:
    """Declare the whole topology (idempotent); Mismatch names what the broker holds
    differently (a queue declared by an older version, say)."""
    wanted = derive(settings.namespace)
    publisher = Publisher(settings.amqp_uri, settings.namespace)
    try:
        for entity in [*wanted.exchanges, *wanted.queues]:
            try:
                publisher.declare(entity)
            except amqp.exceptions.PreconditionFailed as exc:
                raise Mismatch(f"{type(entity).__name__.lower()} {entity.name!r} exists with "
                               f"other settings than the platform's ({exc.reply_text}); "
                               "delete it, or move its messages, then run again") from None
    finally:
        publisher.close()
    return wanted
