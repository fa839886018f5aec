"""The iocevents nameko service: RPC and HTTP JSON for the web UI (http_api.py), the
task.overdue and kpi.target_* subscriptions, and the detection retention timer. Alerts
themselves are written by the pipeline process (pipeline.py); this service sends it
commands."""
import datetime as dt

from nameko.extensions import DependencyProvider
from nameko.timer import timer

from commune.v1 import common_pb2, events_pb2, kpi_pb2
from services.common import logs, metrics
from services.common.envelope import Envelope, InvalidEvent
from services.common.errors import EXPECTED
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

from . import alerts as al
from .broker import SOURCE, publish_command
from .http_api import IocHttpApi
from .operations import OPERATORS, READERS, WATCHLIST_ROLES, Operations, now
from .settings import ioc_settings
from .store import IocStore

log = logs.get_logger(__name__)
journal_days_dropped = metrics.counter(SOURCE, "journal_days_dropped_total",
                                       "Days of detections dropped by the retention")


def kpi_target_command(event: kpi_pb2.KpiTargetMissed | kpi_pb2.KpiTargetRecovered,
                       envelope: Envelope) -> dict:
    """The pipeline's command for kpi.target_missed or kpi.target_recovered; InvalidEvent
    (dead-lettered with the reason) when the event does not add up (the envelope has
    checked that the event's tenant is its own)."""
    row = event.row
    status = kpi_pb2.KpiStatus.Name(row.status).removeprefix("KPI_STATUS_").lower()
    if not (row.indicator and row.unit):
        raise InvalidEvent("the row names no indicator or no unit")
    if status not in al.KPI_STATUSES or (status == "missed") != (
            envelope.type == "kpi.target_missed"):
        raise InvalidEvent(f"{envelope.type} with status {status}")
    if event.period.kind == common_pb2.PERIOD_KIND_UNSPECIFIED:
        raise InvalidEvent("the event names no period")
    period = Period(common_pb2.PeriodKind.Name(event.period.kind)
                    .removeprefix("PERIOD_KIND_").lower(), event.period.year,
                    event.period.number)
    return {"tenant": envelope.tenant, "indicator": row.indicator, "unit": row.unit,
            "period": period.label(), "name": row.name_vi or row.indicator,
            "status": status}


class OperationsProvider(DependencyProvider):
    """Operations over the service's Storage and EventPublisher (the providers: their
    values are not injected into the worker yet when this one is asked)."""

    def _provider(self, kind):
        return next(d for d in self.container.dependencies if isinstance(d, kind))

    def get_dependency(self, worker_ctx):
        return Operations(self._provider(Storage).store, self._provider(EventPublisher).publisher)


class IocService(HealthEndpoints, IocHttpApi):
    name = "iocevents"

    store = Storage(IocStore)
    events = EventPublisher()
    auth = Authorization()
    observability = Observability()
    operations = OperationsProvider()

    @rpc(expected_exceptions=EXPECTED)
    def list_alerts(self, tenant, filters=None):
        self.auth.require(tenant, READERS)
        return self.operations.list_alerts(tenant, filters)

    @rpc(expected_exceptions=EXPECTED)
    def get_alert(self, tenant, alert_id):
        self.auth.require(tenant, READERS)
        return self.operations.get_alert(tenant, alert_id)

    @rpc(expected_exceptions=EXPECTED)
    def move_alert(self, tenant, alert_id, action, note=""):
        principal = self.auth.require(tenant, OPERATORS)
        return self.operations.move(tenant, alert_id, action, principal.subject, note)

    @rpc(expected_exceptions=EXPECTED)
    def alert_stats(self, tenant):
        self.auth.require(tenant, READERS)
        return self.operations.stats(tenant)

    @rpc(expected_exceptions=EXPECTED)
    def save_rule(self, tenant, rule):
        principal = self.auth.require(tenant, OPERATORS)
        return self.operations.save_rule(tenant, rule, principal.subject)

    @rpc(expected_exceptions=EXPECTED)
    def list_rules(self, tenant):
        self.auth.require(tenant, READERS)
        return self.operations.rules(tenant)

    @rpc(expected_exceptions=EXPECTED)
    def save_silence(self, tenant, silence):
        principal = self.auth.require(tenant, OPERATORS)
        return self.operations.save_silence(tenant, silence, principal.subject)

    @rpc(expected_exceptions=EXPECTED)
    def end_silence(self, tenant, silence_id):
        principal = self.auth.require(tenant, OPERATORS)
        return self.operations.end_silence(tenant, silence_id, principal.subject)

    @rpc(expected_exceptions=EXPECTED)
    def list_watchlist(self, tenant):
        principal = self.auth.require(tenant, WATCHLIST_ROLES)
        return self.operations.watchlist(tenant, principal.subject)

    @handle_event("tasks", "task.overdue", events_pb2.TaskOverdue)
    def on_task_overdue(self, event: events_pb2.TaskOverdue, envelope: Envelope):
        """An overdue task of the commune's plan becomes an operator alert (folded per
        task, so a redelivered event changes nothing but the count)."""
        task = event.task
        publish_command(self.events, "task_overdue", {
            "tenant": envelope.tenant, "task_id": task.id or envelope.subject,
            "code": task.code, "title": task.title})

    @handle_event("kpi", "kpi.target_missed", kpi_pb2.KpiTargetMissed)
    def on_kpi_target_missed(self, event: kpi_pb2.KpiTargetMissed, envelope: Envelope):
        """A commune's indicator missing its target becomes an operator alert, folded per
        indicator, unit and period (a revision approved still missed only counts)."""
        publish_command(self.events, "kpi_target", kpi_target_command(event, envelope))

    @handle_event("kpi", "kpi.target_recovered", kpi_pb2.KpiTargetRecovered)
    def on_kpi_target_recovered(self, event: kpi_pb2.KpiTargetRecovered, envelope: Envelope):
        """A later approval that is no longer missed resolves that alert."""
        publish_command(self.events, "kpi_target", kpi_target_command(event, envelope))

    # eager: at start, then every check period (a worker restarted more often than the
    # period would otherwise never apply it).
    @timer(interval=ioc_settings().ioc_retention_check_s, eager=True)
    def purge_detections(self):
        """Detections expire after the retention (Decree 13/2023: keep no longer than
        needed); FerretDB has no TTL index, so whole journal days are dropped."""
        retention = ioc_settings().ioc_retention_days
        keep_from = now().date() - dt.timedelta(days=retention)
        dropped = self.store.purge_journal(keep_from)
        journal_days_dropped.inc(len(dropped))
        log.info("detection retention applied", retention_days=retention,
                 kept_from=keep_from.isoformat(), dropped=dropped)
