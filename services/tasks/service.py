"""The tasks nameko service: RPC for the other services, the outbox relay."""
import datetime as dt

from nameko.rpc import rpc
from nameko.timer import timer

from commune.v1 import events_pb2
from services.common.envelope import Envelope
from services.common.errors import EXPECTED
from services.common.nameko_ext.dependencies import (
    Authorization,
    EventPublisher,
    Observability,
    Storage,
)
from services.common.nameko_ext.health import HealthEndpoints

from . import domain
from .store import TaskStore


class TasksService(HealthEndpoints):
    name = "tasks"

    store = Storage(TaskStore)
    events = EventPublisher()
    auth = Authorization()
    observability = Observability()

    @rpc(expected_exceptions=EXPECTED)
    def create_task(self, task):
        tenant = task.get("tenant", "") if isinstance(task, dict) else ""
        caller = self.auth.require(tenant, domain.WRITERS)
        document = domain.new_task(task, caller.subject, dt.datetime.now(dt.UTC))
        created = Envelope.wrap("task.created", self.name, document["tenant"],
                                events_pb2.TaskCreated(task=domain.task_message(document)),
                                subject=document["_id"])
        self.store.create(document, created)
        self.store.outbox(self.events).flush(document["_id"])
        return domain.task_view(document)

    @rpc(expected_exceptions=EXPECTED)
    def get_task(self, tenant, task_id):
        self.auth.require(tenant, domain.READERS)
        return domain.task_view(self.store.get(tenant, task_id))

    @timer(interval=10)
    def relay_outbox(self):
        self.store.outbox(self.events).relay()
