"""The kpi nameko service: derives counts from other services' events."""
from nameko.timer import timer

from commune.v1 import events_pb2
from services.common import metrics
from services.common.envelope import Envelope
from services.common.errors import EXPECTED
from services.common.nameko_ext.consumer import handle_event
from services.common.nameko_ext.dependencies import Authorization, Observability, Storage
from services.common.nameko_ext.health import HealthEndpoints
from services.common.nameko_ext.rpc import rpc

from . import domain
from .store import KpiStore

tasks_created = metrics.gauge("kpi", "tasks_created", "Tasks created, per commune",
                              ("tenant",))


class KpiService(HealthEndpoints):
    name = "kpi"

    store = Storage(KpiStore)
    auth = Authorization()
    observability = Observability()

    @handle_event("tasks", "task.created", events_pb2.TaskCreated)
    def on_task_created(self, event: events_pb2.TaskCreated, envelope: Envelope):
        self.store.record_created_task(domain.created_task_fact(event, envelope))

    @rpc(expected_exceptions=EXPECTED)
    def get_counts(self, tenant):
        self.auth.require(tenant, domain.READERS)
        return {"tenant": tenant, "tasksCreated": self.store.tasks_created(tenant)}

    @timer(interval=15)
    def refresh_gauges(self):
        for tenant in self.store.tenants():
            tasks_created.labels(tenant).set(self.store.tasks_created(tenant))
