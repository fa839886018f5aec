"""The kpi nameko service: RPC for the other services, HTTP JSON for the web UI
(http_api.py), the tasks events that feed the derived indicators, the business gauges
and the outbox relay. Each operation is written once (ledger.py, reading.py); the entry
points only check the caller and pass input through."""

from nameko.extensions import DependencyProvider
from nameko.timer import timer

from commune.v1 import events_pb2
from services.common import metrics
from services.common.clock import now
from services.common.envelope import Envelope
from services.common.errors import EXPECTED, InvalidArgument, PermissionDenied
from services.common.mongo import database_name, make_client
from services.common.nameko_ext.consumer import handle_event
from services.common.nameko_ext.dependencies import (
    Authorization,
    EventPublisher,
    Observability,
    Storage,
)
from services.common.nameko_ext.health import HealthEndpoints
from services.common.nameko_ext.rpc import rpc
from services.common.periods import Period
from services.common.settings import get_settings

from . import derived, domain
from .http_api import KpiHttpApi
from .indicators import parse_period, period_key, previous
from .keys import sheet_id, sheets_collection
from .ledger import Ledger
from .reading import Reports, tree_from
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


class KpiService(HealthEndpoints, KpiHttpApi):
    name = "kpi"

    store = Storage(KpiStore)
    tree = OrgTreeSource()
    events = EventPublisher()
    auth = Authorization()
    observability = Observability()

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

    # --- RPC -----------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def get_counts(self, tenant):
        self.auth.require(tenant, domain.READERS)
        return {"tenant": tenant, "tasksCreated": self.store.tasks_created(tenant)}

    @rpc(expected_exceptions=EXPECTED)
    def list_indicators(self, tenant):
        self.auth.require(tenant, domain.READERS)
        return self._indicators()

    @rpc(expected_exceptions=EXPECTED)
    def enter_measurement(self, tenant, measurement):
        by = self.auth.require(tenant, domain.WRITERS).subject
        return self._enter(tenant, measurement, by)

    @rpc(expected_exceptions=EXPECTED)
    def move_measurement(self, tenant, measurement, action):
        roles = domain.APPROVERS if action == "approve" else domain.WRITERS
        by = self.auth.require(tenant, roles).subject
        return self._move(tenant, measurement, action, by)

    @rpc(expected_exceptions=EXPECTED)
    def measurement_history(self, tenant, measurement):
        self.auth.require(tenant, domain.READERS)
        return self._ledger().history(tenant, measurement)

    @rpc(expected_exceptions=EXPECTED)
    def set_target(self, unit, target):
        return self._set_target(unit, target, self._require_unit(unit, domain.APPROVERS))

    @rpc(expected_exceptions=EXPECTED)
    def record_dossier_events(self, tenant, events):
        self.auth.require(tenant, domain.WRITERS)
        return self._record_dossiers(tenant, events)

    @rpc(expected_exceptions=EXPECTED)
    def dossier_table(self, tenant, period):
        self.auth.require(tenant, domain.READERS)
        return self._reports().dossier_table(tenant, parse_period(period))

    @rpc(expected_exceptions=EXPECTED)
    def get_report(self, unit, period, drafts=False, with_communes=False):
        self._require_unit(unit, domain.READERS)
        return self._report(unit, period, bool(drafts), bool(with_communes))

    # --- timers --------------------------------------------------------------------------

    @timer(interval=get_settings().gauges_refresh_s)
    def refresh_gauges(self):
        tree, reports = self.tree(), self._reports()
        today = now()
        quarter = Period("quarter", today.year, (today.month - 1) // 3 + 1)
        for tenant in (c for c, u in tree.units.items() if u["kind"] == "commune"):
            period = self._latest_quarter_with_figures(tenant, quarter)
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

    @timer(interval=10)
    def relay_outbox(self):
        self.store.relay(self.events)

    # --- operations ----------------------------------------------------------------------

    def _ledger(self) -> Ledger:
        return Ledger(self.store, self.tree())

    def _reports(self) -> Reports:
        return Reports(self.store, self.tree)

    def _require_unit(self, unit, roles) -> str:
        """The caller's subject, if it may act on `unit`: a commune in its token, or a
        province all of whose communes are."""
        if not isinstance(unit, str) or not unit:
            raise InvalidArgument("unit is required", {"unit": "required"})
        if self.tree().kind(unit) != "province":
            return self.auth.require(unit, roles).subject
        communes = self.tree().communes(unit)
        principal = self.auth.require(communes[0] if communes else unit,
                                      roles + ("province",))
        missing = [c for c in communes if c not in principal.tenants]
        if missing:
            raise PermissionDenied(f"{principal.subject!r} has no access to "
                                   f"{', '.join(missing)} of {unit!r}")
        return principal.subject

    def _latest_quarter_with_figures(self, tenant: str, quarter: Period) -> Period | None:
        sheets = self.store.index(tenant).get("sheets", [])
        for _ in range(GAUGE_QUARTERS_BACK):
            if period_key(quarter) in sheets:
                return quarter
            quarter = previous(quarter)
        return None

    def _indicators(self) -> list[dict]:
        return [d.model_dump() for d in self.store.indicators().values()]

    def _flush(self, tenant: str, fields: dict) -> None:
        key = period_key(parse_period(fields.get("period")))
        self.store.flush(self.events, sheets_collection(key), sheet_id(tenant, key))

    def _enter(self, tenant, measurement, by: str) -> dict:
        return self._ledger().enter(tenant, measurement, by, now())

    def _move(self, tenant, measurement, action, by: str) -> dict:
        entry = self._ledger().act(tenant, measurement, str(action or ""), by, now())
        self._flush(tenant, measurement)  # the ledger has checked it
        return entry

    def _set_target(self, unit, target, by: str) -> dict:
        goal = self._ledger().set_target(unit, target, by, now())
        self._flush(unit, target)  # the ledger has checked it
        return goal

    def _record_dossiers(self, tenant, events) -> dict:
        return {"recorded": self._ledger().record_dossiers(tenant, events)}

    def _report(self, unit: str, period, drafts: bool, with_communes: bool) -> dict:
        wanted = parse_period(period)
        return {"unit": unit, "period": period_key(wanted),
                **self._reports().report(unit, wanted, drafts, with_communes)}
