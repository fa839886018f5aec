"""The kpi nameko worker: its operations (app.py) over nameko RPC and HTTP JSON, the
tasks and assistant events that feed the derived indicators, the business gauges and the outbox
relay."""

from nameko.extensions import DependencyProvider
from nameko.timer import timer

from commune.v1 import assistant_pb2, events_pb2
from services.common import metrics
from services.common.api.nameko_doors import doors
from services.common.clock import now
from services.common.envelope import Envelope
from services.common.mongo import database_name, make_client
from services.common.nameko_ext.consumer import handle_event
from services.common.nameko_ext.dependencies import EventPublisher, Observability, Storage
from services.common.nameko_ext.health import HealthEndpoints
from services.common.periods import Period
from services.common.settings import get_settings

from . import derived, domain, satisfaction
from .app import OPERATIONS, KpiApp
from .reading import tree_from
from .store import KpiStore

# Business gauges: one series per commune and built-in indicator (bounded label sets).
indicator_value = metrics.gauge("kpi", "indicator_value",
                                "An indicator's approved value in its latest quarter with "
                                "figures (% for ratios)", ("tenant", "indicator"))
indicator_target = metrics.gauge("kpi", "indicator_target",
                                 "The target of that indicator and quarter",
                                 ("tenant", "indicator"))
# How far back the gauges look for a quarter with figures.
GAUGE_QUARTERS_BACK = 8


class OrgTreeSource(DependencyProvider):
    """The org tree from the directory's database (reading.tree_from), one per container."""

    def setup(self):
        settings = get_settings()
        self.client = make_client(settings)
        self.tree = tree_from(self.client[database_name(settings, "directory")])

    def stop(self):
        self.client.close()

    def get_dependency(self, worker_ctx):
        return self.tree


class KpiService(HealthEndpoints, doors(OPERATIONS, "Commune KPI API")):
    name = "kpi"

    store = Storage(KpiStore)
    tree = OrgTreeSource()
    events = EventPublisher()
    observability = Observability()

    def use_cases(self) -> KpiApp:
        return KpiApp(self.store, self.tree, events=self.events)

    # --- tasks events: the derived indicators --------------------------------------------

    def _task_changed(self, event, envelope: Envelope, created: dict | None = None) -> None:
        """Into the inbox: concurrent events of one commune must not fight over its
        board (fold_task_inbox folds them in, one writer at a time). The row is keyed by
        the event id, so a copy of the event adds nothing (hence keyed_by_event)."""
        self.store.add_task_state(envelope.tenant, envelope.id,
                                  derived.task_state(event, envelope), created)

    @handle_event("tasks", "task.created", events_pb2.TaskCreated, keyed_by_event=True)
    def on_task_created(self, event: events_pb2.TaskCreated, envelope: Envelope):
        self._task_changed(event, envelope, domain.created_task_fact(event, envelope))

    @handle_event("tasks", "task.assigned", events_pb2.TaskAssigned, keyed_by_event=True)
    def on_task_assigned(self, event, envelope):
        self._task_changed(event, envelope)

    @handle_event("tasks", "task.progress_reported", events_pb2.TaskProgressReported,
                  keyed_by_event=True)
    def on_task_progress_reported(self, event, envelope):
        self._task_changed(event, envelope)

    @handle_event("tasks", "task.status_changed", events_pb2.TaskStatusChanged, keyed_by_event=True)
    def on_task_status_changed(self, event, envelope):
        self._task_changed(event, envelope)

    @handle_event("tasks", "task.review_decided", events_pb2.TaskReviewDecided, keyed_by_event=True)
    def on_task_review_decided(self, event, envelope):
        self._task_changed(event, envelope)

    # --- assistant events: its satisfaction indicator ----------------------------------

    @handle_event("assistant", "assistant.feedback_given", assistant_pb2.FeedbackGiven,
                  keyed_by_event=True)
    def on_feedback_given(self, event: assistant_pb2.FeedbackGiven, envelope: Envelope):
        """Into the feedback inbox, keyed by the answer (one feedback each), folded into
        the commune's board by fold_feedback_inbox."""
        self.store.add_feedback(envelope.tenant, satisfaction.feedback(event, envelope))

    # --- timers --------------------------------------------------------------------------

    @timer(interval=get_settings().gauges_refresh_s)
    def refresh_gauges(self):
        reports = self.use_cases().reports
        today = now()
        quarter = Period("quarter", today.year, (today.month - 1) // 3 + 1)
        for tenant in (c for c, u in self.tree().units.items() if u["kind"] == "commune"):
            period = reports.latest_quarter_with_figures(tenant, quarter, GAUGE_QUARTERS_BACK)
            if period is None:
                continue
            for row in reports.commune(tenant, period):
                if row["value"] is not None:
                    indicator_value.labels(tenant, row["indicator"]).set(row["value"])
                if row["target"]:
                    indicator_target.labels(tenant, row["indicator"]).set(
                        row["target"]["value"])

    @timer(interval=1)
    def fold_task_inbox(self):
        self.store.fold_task_inbox(None, derived.apply_task)

    @timer(interval=5)
    def fold_feedback_inbox(self):
        self.store.fold_feedback_inbox(satisfaction.apply)

    @timer(interval=10)
    def relay_outbox(self):
        self.store.outbox.relay(self.events)
