"""BatchConsumer on the real broker: a batch stops at its byte limit, and every message
is handed over once and acked."""
import threading
import uuid

import kombu
import pytest

from services.common.batch_consumer import BatchConsumer

pytestmark = pytest.mark.integration


def test_a_batch_stops_at_its_byte_limit_and_every_message_is_acked(settings):
    queue = kombu.Queue(f"{settings.namespace}.test.batches-{uuid.uuid4().hex[:6]}",
                        durable=False)
    with kombu.Connection(settings.amqp_uri) as connection:
        producer = kombu.Producer(connection)
        queue(producer.channel).declare()
        for n in range(12):
            producer.publish(bytes([65 + n]) * 100_000, routing_key=queue.name, exchange="")
    batches: list[list[bytes]] = []

    def handle(batch):
        batches.append([incoming.body[:1] for incoming in batch])
        if sum(map(len, batches)) >= 12:
            consumer.stop()
    # All twelve are waiting and the linger is long: only the byte limit splits them.
    consumer = BatchConsumer(settings.amqp_uri, [queue], handle, prefetch=50,
                             max_bytes=250_000, linger=0.5)
    thread = threading.Thread(target=consumer.run, daemon=True)
    thread.start()
    thread.join(timeout=30)
    with kombu.Connection(settings.amqp_uri) as connection:
        channel = connection.channel()
        waiting = channel.queue_declare(queue.name, passive=True).message_count
        channel.queue_delete(queue.name)

    assert not thread.is_alive()
    assert [len(batch) for batch in batches] == [3, 3, 3, 3]
    assert [body for batch in batches for body in batch] == [bytes([65 + n]) for n in range(12)]
    assert waiting == 0
