"""The iocevents nameko worker: its operations (app.py) over nameko RPC and HTTP JSON, the
task.overdue, kpi.target_* and assistant.handoff_* subscriptions, and the detection
retention timer. Alerts themselves are written by the pipeline process (pipeline.py);
this service sends it commands."""
import datetime as dt

from nameko.timer import timer

from commune.v1 import assistant_pb2, common_pb2, events_pb2, kpi_pb2
from services.common import logs, metrics
from services.common.api.nameko_doors import doors
from services.common.clock import now
from services.common.envelope import Envelope, InvalidEvent
from services.common.nameko_ext.consumer import handle_event
from services.common.nameko_ext.dependencies import EventPublisher, Observability, Storage
from services.common.nameko_ext.health import HealthEndpoints
from services.common.periods import Period

from . import alerts as al
from .app import OPERATIONS, IocApp
from .broker import SOURCE, publish_command
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


def handoff_command(ticket_id: str, envelope: Envelope, question: str,
                    claimed: bool) -> dict:
    """The pipeline's command for assistant.handoff_unclaimed or handoff_claimed;
    InvalidEvent when the event names no ticket or another ticket than its subject."""
    if not ticket_id or ticket_id != envelope.subject:
        raise InvalidEvent(f"{envelope.type} names ticket {ticket_id!r}, its subject "
                           f"{envelope.subject!r}")
    return {"tenant": envelope.tenant, "ticket_id": ticket_id, "question": question,
            "claimed": claimed}


class IocService(HealthEndpoints, doors(OPERATIONS, "Commune IOC API")):
    name = "iocevents"

    store = Storage(IocStore)
    events = EventPublisher()
    observability = Observability()

    def use_cases(self) -> IocApp:
        return IocApp(self.store, self.events)

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

    @handle_event("assistant", "assistant.handoff_unclaimed", assistant_pb2.HandoffUnclaimed)
    def on_handoff_unclaimed(self, event: assistant_pb2.HandoffUnclaimed,
                             envelope: Envelope):
        """A citizen's ticket no officer claimed in time becomes an operator alert."""
        publish_command(self.events, "handoff", handoff_command(
            event.ticket_id, envelope, question=event.question, claimed=False))

    @handle_event("assistant", "assistant.handoff_claimed", assistant_pb2.HandoffClaimed)
    def on_handoff_claimed(self, event: assistant_pb2.HandoffClaimed, envelope: Envelope):
        """Its claim, however late, resolves that alert."""
        publish_command(self.events, "handoff", handoff_command(
            event.ticket_id, envelope, question="", claimed=True))

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
