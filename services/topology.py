"""The platform's topology on the broker, derived from services/catalog.py: the events
exchange of every service, the dead-letter exchange, every internal consumer's durable
queue bound to what it handles (the nameko services' event handlers, the pipelines'
queues, the RPC queue of each service with RPC entrypoints) and a dead-letter queue
beside each.

`commune topology` declares it before anything is published (make run, the test
session, the Kubernetes Job): an event published before its consumer first started then
waits in the consumer's queue instead of reaching an exchange with nothing bound."""
from dataclasses import dataclass

import amqp
import kombu

from services import catalog
from services.common import topology
from services.common.nameko_ext.consumer import EventHandler
from services.common.nameko_ext.rpc import NamespacedRpc
from services.common.publisher import Publisher
from services.common.settings import Settings


@dataclass(frozen=True, order=True)
class Subscription:
    """One event handler: `consumer` (service.method) names its queue."""

    consumer: str
    source: str
    event_type: str


def _entrypoints(workers: dict[str, str]):
    """(service class, attribute, entrypoint) of every entrypoint of the services in
    `workers` (name -> class path)."""
    for path in workers.values():
        service = catalog.load(path)
        for attribute in dir(service):
            for entrypoint in getattr(getattr(service, attribute), "nameko_entrypoints", ()):
                yield service, attribute, entrypoint


def subscriptions(workers: dict[str, str] = catalog.WORKERS) -> list[Subscription]:
    """Every handle_event entrypoint of the services in `workers`."""
    return sorted(Subscription(f"{service.name}.{attribute}", entrypoint.source,
                               entrypoint.event_type)
                  for service, attribute, entrypoint in _entrypoints(workers)
                  if isinstance(entrypoint, EventHandler))


def rpc_services(workers: dict[str, str] = catalog.WORKERS) -> list[str]:
    """The services in `workers` that take RPC requests (each has its RPC queue)."""
    return sorted({service.name for service, _, entrypoint in _entrypoints(workers)
                   if isinstance(entrypoint, NamespacedRpc)})


@dataclass(frozen=True)
class Topology:
    namespace: str
    exchanges: list[kombu.Exchange]
    consumer_queues: list[kombu.Queue]
    pipeline_queues: list[kombu.Queue]
    rpc_queues: list[kombu.Queue]

    @property
    def queues(self) -> list[kombu.Queue]:
        """Every queue, each followed by its dead-letter queue."""
        return topology.with_dead_letters(
            self.namespace, self.consumer_queues + self.pipeline_queues + self.rpc_queues)


def derive(namespace: str) -> Topology:
    pipeline_queues = [queue for path in catalog.PIPELINE_QUEUES.values()
                       for queue in catalog.load(path)(namespace)]
    rpc_queues = [topology.rpc_queue(namespace, service) for service in rpc_services()]
    exchanges = {e.name: e for e in [
        *(topology.events_exchange(namespace, source) for source in catalog.WORKERS),
        topology.dead_letter_exchange(namespace),
        *(q.exchange for q in pipeline_queues + rpc_queues)]}
    return Topology(
        namespace=namespace, exchanges=list(exchanges.values()),
        consumer_queues=[topology.consumer_queue(namespace, s.consumer, s.source, s.event_type)
                         for s in subscriptions()],
        pipeline_queues=pipeline_queues, rpc_queues=rpc_queues)


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
