"""The tasks nameko service: RPC for the other services, HTTP JSON for the web UI
(http_api.py), the overdue check and the outbox relay. Each operation is written once
here; the entry points only check the caller and pass input through."""
import datetime as dt

from nameko.timer import timer

from commune.v1 import events_pb2
from services.common import metrics
from services.common.errors import EXPECTED
from services.common.nameko_ext.dependencies import (
    Authorization,
    EventPublisher,
    Observability,
    Storage,
)
from services.common.nameko_ext.health import HealthEndpoints
from services.common.nameko_ext.rpc import rpc
from services.common.settings import get_settings

from . import domain
from .http_api import TasksHttpApi
from .listing import Criteria
from .store import TaskStore


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# Business gauges, per commune (a bounded label set: communes and statuses).
by_status = metrics.gauge("tasks", "tasks", "Tasks per commune and status", ("tenant", "status"))
overdue = metrics.gauge("tasks", "overdue_tasks", "Overdue tasks per commune", ("tenant",))
compliance = metrics.gauge("tasks", "monthly_update_compliance_ratio",
                           "Active tasks with a progress update this month, over active tasks",
                           ("tenant",))


class TasksService(HealthEndpoints, TasksHttpApi):
    name = "tasks"

    store = Storage(TaskStore)
    events = EventPublisher()
    auth = Authorization()
    observability = Observability()

    # --- RPC ---------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def create_task(self, task):
        tenant = task.get("tenant", "") if isinstance(task, dict) else ""
        return self._create(task, self.auth.require(tenant, domain.WRITERS).subject)

    @rpc(expected_exceptions=EXPECTED)
    def assign_task(self, tenant, task_id, fields=None):
        return self._assign(tenant, task_id, fields or {},
                            self.auth.require(tenant, domain.WRITERS).subject)

    @rpc(expected_exceptions=EXPECTED)
    def report_progress(self, tenant, task_id, report):
        return self._report_progress(tenant, task_id, report,
                                     self.auth.require(tenant, domain.WRITERS).subject)

    @rpc(expected_exceptions=EXPECTED)
    def change_status(self, tenant, task_id, status, reason=""):
        return self._change_status(tenant, task_id, status, reason,
                                   self.auth.require(tenant, domain.WRITERS).subject)

    @rpc(expected_exceptions=EXPECTED)
    def get_task(self, tenant, task_id):
        self.auth.require(tenant, domain.READERS)
        return domain.task_view(self.store.get(tenant, task_id))

    @rpc(expected_exceptions=EXPECTED)
    def list_tasks(self, tenant, filters=None):
        self.auth.require(tenant, domain.READERS)
        return self._list(tenant, filters)

    @rpc(expected_exceptions=EXPECTED)
    def task_summary(self, tenant, period=""):
        self.auth.require(tenant, domain.READERS)
        return self._summary(tenant, period)

    @rpc(expected_exceptions=EXPECTED)
    def review_tasks(self, tenant):
        self.auth.require(tenant, domain.READERS)
        return self._review(tenant)

    @rpc(expected_exceptions=EXPECTED)
    def decide_review(self, tenant, task_id, decision):
        return self._decide(tenant, task_id, decision,
                            self.auth.require(tenant, domain.WRITERS).subject)

    @rpc(expected_exceptions=EXPECTED)
    def list_directory(self, tenant):
        self.auth.require(tenant, domain.READERS)
        return self._directory(tenant)

    @rpc(expected_exceptions=EXPECTED)
    def save_unit(self, tenant, unit):
        self.auth.require(tenant, domain.WRITERS)
        return self._save_unit(tenant, unit)

    @rpc(expected_exceptions=EXPECTED)
    def save_officer(self, tenant, officer):
        self.auth.require(tenant, domain.WRITERS)
        return self._save_officer(tenant, officer)

    # --- timers ------------------------------------------------------------------------

    @timer(interval=get_settings().overdue_check_s)
    def announce_overdue(self):
        """task.overdue, once per task, for active tasks whose deadline has passed."""
        today = now().date()
        for task in self.store.overdue_unannounced(today):
            message = events_pb2.TaskOverdue(task=domain.task_message(task, today))
            event = domain.event("task.overdue", task, message)
            entry = {"at": now(), "by": "system", "what": "overdue"}
            self._store_change(task, {"overdue_announced": True}, entry, event)

    @timer(interval=get_settings().gauges_refresh_s)
    def refresh_gauges(self):
        today = now().date()
        for tenant in self.store.tenants():
            rows = self.store.select(Criteria(tenant))
            summary = domain.summarize(rows, today)
            for status in domain.TRANSITIONS:
                by_status.labels(tenant, status).set(sum(r["status"] == status for r in rows))
            overdue.labels(tenant).set(summary["overdue"])
            compliance.labels(tenant).set(summary["monthly_update_compliance"])

    @timer(interval=10)
    def relay_outbox(self):
        self.store.outbox(self.events).relay()

    # --- operations --------------------------------------------------------------------

    def _store_change(self, task: dict, changes: dict, entry: dict, *events) -> dict:
        updated = self.store.apply(task, changes, entry, now(), *events)
        self.store.outbox(self.events).flush(task["_id"])
        return updated

    def _create(self, fields, created_by: str) -> dict:
        tenant = fields.get("tenant", "") if isinstance(fields, dict) else ""
        document = domain.new_task(fields, created_by, now(), self.store.directory(tenant))
        self.store.create(document, *domain.arrival_events(document), announce=self.events)
        return domain.task_view(document)

    def _assign(self, tenant, task_id, fields, by: str) -> dict:
        task = self.store.get(tenant, task_id)
        if not isinstance(fields, dict) or set(fields) - {"lead_unit", "owner", "deadline"}:
            raise domain.InvalidArgument("assign takes lead_unit, owner and deadline only")
        changes, entry = domain.assign(task, by, now(), self.store.directory(tenant), **fields)
        preview = {**task, **changes}
        event = domain.event("task.assigned", preview,
                            events_pb2.TaskAssigned(task=domain.task_message(preview)))
        return domain.task_view(self._store_change(task, changes, entry, event))

    def _report_progress(self, tenant, task_id, report, by: str) -> dict:
        task = self.store.get(tenant, task_id)
        changes, entry = domain.report_progress(task, report, by, now())
        preview = {**task, **{k: v for k, v in changes.items() if k != "_push"}}
        event = domain.event("task.progress_reported", preview, events_pb2.TaskProgressReported(
            task=domain.task_message(preview), previous_percent=task["progress"],
            note=entry.get("note", "")))
        return domain.task_view(self._store_change(task, changes, entry, event))

    def _change_status(self, tenant, task_id, status, reason, by: str) -> dict:
        task = self.store.get(tenant, task_id)
        if not isinstance(status, str) or status not in domain.TRANSITIONS:
            raise domain.InvalidArgument(f"unknown status {status!r}; one of "
                                         f"{', '.join(domain.TRANSITIONS)}", {"status": "unknown"})
        changes, entry = domain.change_status(task, status, by, now(), str(reason or ""))
        preview = {**task, **changes}
        message = domain.task_message(preview)
        events = [domain.event("task.status_changed", preview, events_pb2.TaskStatusChanged(
            task=message, previous_status=domain.task_message(task).status,
            reason=entry.get("reason", "")))]
        if status == "done":
            events.append(domain.event("task.completed", preview, events_pb2.TaskCompleted(
                task=message, on_time=domain.done_on_time(preview))))
        return domain.task_view(self._store_change(task, changes, entry, *events))

    def _directory(self, tenant) -> dict:
        return {"units": self.store.units(tenant), "officers": self.store.officers(tenant)}

    def _save_unit(self, tenant, fields) -> dict:
        saved = domain.unit(fields)
        self.store.load_directory(tenant, [saved], [])
        return saved

    def _save_officer(self, tenant, fields) -> dict:
        saved = domain.officer(fields, self.store.directory(tenant))
        self.store.load_directory(tenant, [], [saved])
        return saved

    def _review(self, tenant) -> list[dict]:
        """Active tasks the quarterly review should look at, with why."""
        today = now().date()
        rows = self.store.select(Criteria(tenant))
        flagged = [(domain.review_flags(t, today), t) for t in rows]
        return [{"task": domain.task_view(t, today), "flags": flags}
                for flags, t in flagged if flags]

    def _decide(self, tenant, task_id, fields, by: str) -> dict:
        task = self.store.get(tenant, task_id)
        decision = domain.review_decision(fields)
        changes, entry, successor = domain.decide(task, decision, by, now(),
                                                  self.store.directory(tenant))
        if successor is not None:
            self.store.create(successor, *domain.arrival_events(successor),
                              announce=self.events)
        preview = {**task, **changes}
        message = domain.task_message(preview)
        events = [domain.event("task.review_decided", preview, events_pb2.TaskReviewDecided(
            task=message, decided_by=by, note=decision.note,
            decision=events_pb2.ReviewDecision.Value(
                f"REVIEW_DECISION_{decision.decision.upper()}"),
            replacement_id=successor["_id"] if successor else ""))]
        if changes.get("status"):
            events.append(domain.event("task.status_changed", preview,
                                       events_pb2.TaskStatusChanged(
                                           task=message, reason=decision.note,
                                           previous_status=domain.task_message(task).status)))
        return domain.task_view(self._store_change(task, changes, entry, *events))

    def _list(self, tenant, filters) -> dict:
        wanted = domain.list_filter(filters)
        today = now().date()
        criteria = Criteria(tenant, lead_unit=wanted.lead_unit, status=wanted.status,
                            group=wanted.group, period=wanted.parsed_period,
                            overdue_on=today if wanted.overdue_only else None)
        rows, next_token, total = self.store.page(criteria, wanted.page_size, wanted.page_token)
        return {"tasks": [domain.task_view(r, today) for r in rows],
                "nextPageToken": next_token, "totalSize": total}

    def _summary(self, tenant, period) -> dict:
        wanted = domain.list_filter({"period": period or ""})
        rows = self.store.select(Criteria(tenant, period=wanted.parsed_period))
        return domain.summaries(rows, now().date())
