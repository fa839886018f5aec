"""nameko's @rpc with a namespaced queue, and poison requests parked rather than lost.

nameko names a service's RPC queue "rpc-<service>" whatever the exchange, so two
platforms on one broker (a test run beside `make run`, two provinces) would share it and
answer each other's calls. Here the queue is "<namespace>.rpc-<service>" on the
namespace's RPC exchange (common/topology.py's rpc_queue, which `commune topology`
declares too).

nameko decodes a request in its consumer thread and answers it to `reply_to` in the
content type it came in: a body that does not decode, or a request with no reply_to or
an unknown content type, raised there and was never answered nor kept. Such a request
goes to "<namespace>.rpc-<service>.dead-letter" with the reason (x-dead-letter-reason),
and the worker goes on with the next one."""
from kombu.serialization import registry
from nameko.rpc import Rpc, RpcConsumer

from .. import logs
from ..publisher import Publisher
from ..settings import get_settings
from ..topology import dead_letter_queue, rpc_queue
from .consumer import RawQueueConsumer

log = logs.get_logger(__name__)


class NamespacedRpcConsumer(RpcConsumer):
    queue_consumer = RawQueueConsumer()

    def setup(self):
        # nameko's setup with another queue name: its own only runs with no queue set.
        if self.queue is None:
            settings = get_settings()
            self.queue = rpc_queue(settings.namespace, self.container.service_name)
            self.publisher = Publisher(settings.amqp_uri, settings.namespace)
            self.publisher.declare(dead_letter_queue(settings.namespace, self.queue.name))
            self.queue_consumer.register_provider(self)
            self._registered = True

    def stop(self):
        super().stop()
        self._close()

    def kill(self):
        self._close()

    def _close(self):
        if getattr(self, "publisher", None) is not None:
            self.publisher.close()

    def handle_message(self, _body, message):
        reason = self._poison(message)
        if reason is None:
            try:
                body = message.decode()
            except Exception:  # whatever the codec raised: the body is what is wrong
                reason = f"body does not decode as {message.content_type}"
        if reason is not None:
            log.warning("rpc request dead-lettered", queue=self.queue.name, reason=reason)
            self.publisher.dead_letter(self.queue.name, message.body, message.headers or {},
                                       reason)
            self.queue_consumer.ack_message(message)
            return
        super().handle_message(body, message)

    def _poison(self, message) -> str | None:
        """Why nameko could not answer the request, if it could not."""
        if not message.properties.get("reply_to"):
            return "no reply_to: the request names no queue to answer to"
        accepted = {registry.name_to_type[name] for name in self.container.accept}
        if message.content_type not in accepted:
            return f"content type {message.content_type!r}; accepted: {', '.join(accepted)}"
        return None


class NamespacedRpc(Rpc):
    rpc_consumer = NamespacedRpcConsumer()


rpc = NamespacedRpc.decorator
