"""Publishing to RabbitMQ: persistent messages, publisher confirms (a publish returns
once the broker has the message, or raises), reconnects with retries. Thread-safe."""
import threading

import kombu

from .envelope import Envelope
from .topology import dead_letter_queue, events_exchange

RETRY_POLICY = {"max_retries": 5, "interval_start": 0.2, "interval_step": 0.5, "interval_max": 2}


class Publisher:
    def __init__(self, amqp_uri: str, namespace: str):
        self.namespace = namespace
        self._connection = kombu.Connection(amqp_uri, transport_options={"confirm_publish": True})
        self._producer: kombu.Producer | None = None
        self._lock = threading.Lock()

    def _publish(self, body: bytes, **kwargs) -> None:
        with self._lock:
            if self._producer is None:
                self._producer = kombu.Producer(self._connection)
            self._producer.publish(body, delivery_mode=2, content_type="application/json",
                                   retry=True, retry_policy=RETRY_POLICY, **kwargs)

    def publish(self, envelope: Envelope) -> None:
        """An event on its source service's exchange, routed by its type."""
        exchange = events_exchange(self.namespace, envelope.source)
        self._publish(envelope.to_json(), exchange=exchange, routing_key=envelope.type,
                      declare=[exchange], message_id=envelope.id, type=envelope.type,
                      headers={"tenant": envelope.tenant, "correlationid": envelope.correlationid})

    def publish_raw(self, body: bytes, exchange: kombu.Exchange, routing_key: str,
                    headers: dict, declare=()) -> None:
        """A message that is not an event envelope (a batch of detections, a command);
        `declare` names the queues that must exist so that it is not dropped."""
        self._publish(body, exchange=exchange, routing_key=routing_key,
                      declare=[exchange, *declare], headers=headers)

    def send_to_queue(self, queue_name: str, body: bytes, headers: dict) -> None:
        """A message straight into a named queue (a retry of a failed delivery)."""
        self._publish(body, exchange="", routing_key=queue_name, headers=headers)

    def declare(self, *entities) -> None:
        """Declare queues or exchanges ahead of use (so that they exist for operators too)."""
        with self._lock, self._connection.channel() as channel:
            for entity in entities:
                entity(channel).declare()

    def dead_letter(self, queue_name: str, body: bytes, headers: dict, reason: str) -> None:
        """Park a message that cannot be handled beside its queue, with the reason."""
        queue = dead_letter_queue(self.namespace, queue_name)
        self._publish(body, exchange=queue.exchange, routing_key=queue_name, declare=[queue],
                      headers={**headers, "x-dead-letter-reason": reason[:1000],
                               "x-original-queue": queue_name})

    def close(self) -> None:
        with self._lock:
            self._connection.release()
            self._producer = None
