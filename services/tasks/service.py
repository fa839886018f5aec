"""The tasks nameko worker: its operations (app.py) over nameko RPC and HTTP JSON, the
overdue check, the business gauges and the outbox relay."""
from collections import Counter

from nameko.timer import timer

from services.common import metrics
from services.common.api.nameko_doors import doors
from services.common.clock import now
from services.common.nameko_ext.dependencies import EventPublisher, Observability, Storage
from services.common.nameko_ext.health import HealthEndpoints
from services.common.settings import get_settings

from . import domain
from .app import OPERATIONS, TasksApp
from .store import TaskStore

# Business gauges, per commune (a bounded label set: communes and statuses).
by_status = metrics.gauge("tasks", "tasks", "Tasks per commune and status", ("tenant", "status"))
overdue = metrics.gauge("tasks", "overdue_tasks", "Overdue tasks per commune", ("tenant",))
compliance = metrics.gauge("tasks", "monthly_update_compliance_ratio",
                           "Active tasks with a progress update this month, over active tasks",
                           ("tenant",))


class TasksService(HealthEndpoints, doors(OPERATIONS, "Commune tasks API")):
    name = "tasks"

    store = Storage(TaskStore)
    events = EventPublisher()
    observability = Observability()

    def use_cases(self) -> TasksApp:
        return TasksApp(self.store, events=self.events)

    @timer(interval=get_settings().overdue_check_s)
    def announce_overdue(self):
        self.use_cases().announce_overdue()

    @timer(interval=get_settings().gauges_refresh_s)
    def refresh_gauges(self):
        today = now().date()
        for tenant in self.store.tenants():
            statuses = Counter()
            summary = domain.summarize(_counted(self.store.gauged(tenant), statuses), today)
            for status in domain.TRANSITIONS:
                by_status.labels(tenant, status).set(statuses[status])
            overdue.labels(tenant).set(summary["overdue"])
            compliance.labels(tenant).set(summary["monthly_update_compliance"])

    @timer(interval=10)
    def relay_outbox(self):
        self.store.outbox.relay(self.events)


def _counted(tasks, statuses: Counter):
    """The tasks as they pass, each counted by status into `statuses`."""
    for task in tasks:
        statuses[task["status"]] += 1
        yield task
