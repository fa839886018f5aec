"""nameko's @rpc with a namespaced queue. nameko names a service's RPC queue
"rpc-<service>" whatever the exchange, so two platforms on one broker (a test run beside
`make run`, two provinces) would share it and answer each other's calls. Here the queue
is "<namespace>.rpc-<service>" on the namespace's RPC exchange (Settings.nameko_config)."""
from kombu import Queue
from nameko.rpc import Rpc, RpcConsumer, get_rpc_exchange

from ..settings import get_settings


class NamespacedRpcConsumer(RpcConsumer):
    def setup(self):
        # nameko's setup with another queue name: its own only runs with no queue set.
        if self.queue is None:
            service = self.container.service_name
            self.queue = Queue(f"{get_settings().namespace}.rpc-{service}",
                               exchange=get_rpc_exchange(self.container.config),
                               routing_key=f"{service}.*", durable=True)
            self.queue_consumer.register_provider(self)
            self._registered = True


class NamespacedRpc(Rpc):
    rpc_consumer = NamespacedRpcConsumer()


rpc = NamespacedRpc.decorator
