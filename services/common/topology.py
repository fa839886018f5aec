"""Names and declarations on the broker: one durable topic exchange per source service
(routing key = event type), one durable quorum queue per consuming handler, nameko's RPC
queue of each service on the namespace's RPC exchange, and a dead-letter queue beside
each. services/topology.py declares the whole platform's from
these; a consumer declares its own with the same functions, so the arguments agree."""
import kombu

QUEUE_ARGUMENTS = {"x-queue-type": "quorum"}


def events_exchange(namespace: str, source: str) -> kombu.Exchange:
    return kombu.Exchange(f"{namespace}.{source}.events", type="topic", durable=True)


def dead_letter_exchange(namespace: str) -> kombu.Exchange:
    return kombu.Exchange(f"{namespace}.dead-letter", type="direct", durable=True)


def consumer_queue(namespace: str, consumer: str, source: str, event_type: str) -> kombu.Queue:
    """The queue of one handler: `consumer` names it (service.method), so several
    instances of a service share the work."""
    return kombu.Queue(f"{namespace}.{consumer}", events_exchange(namespace, source),
                       routing_key=event_type, durable=True, queue_arguments=QUEUE_ARGUMENTS)


def rpc_exchange(namespace: str) -> kombu.Exchange:
    """Where nameko's RPC requests go (Settings.nameko_config gives nameko this name)."""
    return kombu.Exchange(f"{namespace}.rpc", type="topic", durable=True)


def rpc_queue(namespace: str, service: str) -> kombu.Queue:
    """A service's RPC requests: a classic queue, as nameko declares it."""
    return kombu.Queue(f"{namespace}.rpc-{service}", rpc_exchange(namespace),
                       routing_key=f"{service}.*", durable=True)


def dead_letter_queue(namespace: str, queue_name: str) -> kombu.Queue:
    return kombu.Queue(f"{queue_name}.dead-letter", dead_letter_exchange(namespace),
                       routing_key=queue_name, durable=True, queue_arguments=QUEUE_ARGUMENTS)


def with_dead_letters(namespace: str, queues: list[kombu.Queue]) -> list[kombu.Queue]:
    """Each queue followed by its dead-letter queue."""
    return [q for queue in queues for q in (queue, dead_letter_queue(namespace, queue.name))]

