"""The tasks nameko service: RPC for the other services, HTTP JSON for the web UI, the
outbox relay."""
import datetime as dt

from nameko.rpc import rpc
from nameko.timer import timer
from nameko.web.handlers import http

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
from services.common.nameko_ext.web import caller, json_api, request_json

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
        principal = self.auth.require(tenant, domain.WRITERS)
        return self._create(task, principal.subject)

    @rpc(expected_exceptions=EXPECTED)
    def get_task(self, tenant, task_id):
        self.auth.require(tenant, domain.READERS)
        return domain.task_view(self.store.get(tenant, task_id))

    @http("POST", "/api/v1/communes/<tenant>/tasks")
    @json_api
    def http_create_task(self, request, tenant):
        principal = caller(request, tenant, domain.WRITERS)
        return 201, self._create({**request_json(request), "tenant": tenant}, principal.subject)

    @http("GET", "/api/v1/communes/<tenant>/tasks/<task_id>")
    @json_api
    def http_get_task(self, request, tenant, task_id):
        caller(request, tenant, domain.READERS)
        return 200, domain.task_view(self.store.get(tenant, task_id))

    def _create(self, task, created_by: str) -> dict:
        document = domain.new_task(task, created_by, dt.datetime.now(dt.UTC))
        created = Envelope.wrap("task.created", self.name, document["tenant"],
                                events_pb2.TaskCreated(task=domain.task_message(document)),
                                subject=document["_id"])
        self.store.create(document, created)
        self.store.outbox(self.events).flush(document["_id"])
        return domain.task_view(document)

    @timer(interval=10)
    def relay_outbox(self):
        self.store.outbox(self.events).relay()
