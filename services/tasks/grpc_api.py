"""commune.v1.TasksService for province integrations (runs in commune-grpc, no eventlet)."""
import datetime as dt

import grpc
from google.protobuf import json_format

from commune.v1 import common_pb2, events_pb2, tasks_pb2, tasks_pb2_grpc
from services.common.errors import require_fields
from services.common.fanout import EventFanout
from services.common.grpc_ext.interceptors import current_principal
from services.common.mongo import database_name, make_client
from services.common.periods import Period
from services.common.settings import Settings

from . import domain, listing
from .listing import Criteria
from .read_model import TaskReadModel
from .store import TaskStore

# Each task event's payload carries the task as it is after the change.
EVENT_MESSAGES = {
    "task.created": events_pb2.TaskCreated,
    "task.assigned": events_pb2.TaskAssigned,
    "task.updated": events_pb2.TaskUpdated,
    "task.progress_reported": events_pb2.TaskProgressReported,
    "task.status_changed": events_pb2.TaskStatusChanged,
    "task.overdue": events_pb2.TaskOverdue,
    "task.completed": events_pb2.TaskCompleted,
    "task.review_decided": events_pb2.TaskReviewDecided,
}
WATCH_POLL_S = 1.0


def _period(message: common_pb2.Period) -> Period | None:
    if message.kind == common_pb2.PERIOD_KIND_UNSPECIFIED:
        return None
    kind = common_pb2.PeriodKind.Name(message.kind).removeprefix("PERIOD_KIND_").lower()
    return Period(kind, message.year, message.number)


def _status(value: int) -> str:
    if value == tasks_pb2.TASK_STATUS_UNSPECIFIED:
        return ""
    return tasks_pb2.TaskStatus.Name(value).removeprefix("TASK_STATUS_").lower()


def _summary(row: dict) -> tasks_pb2.TaskSummary:
    return tasks_pb2.TaskSummary(**row)


class TasksServicer(tasks_pb2_grpc.TasksServiceServicer):
    """Lists and summaries come from the read model; a single task from the database."""

    def __init__(self, store: TaskStore, fanout: EventFanout):
        self.store = store
        self.fanout = fanout
        self.tasks = TaskReadModel(store, fanout)

    def ListTasks(self, request: tasks_pb2.ListTasksRequest, context):
        require_fields(request, "tenant")
        current_principal().require(request.tenant, domain.READERS)
        today = dt.datetime.now(dt.UTC).date()
        criteria = Criteria(
            request.tenant, lead_unit=request.lead_unit, status=_status(request.status),
            group=request.group, period=_period(request.period),
            overdue_on=today if request.overdue_only else None)
        rows, next_token, total = listing.page(self.tasks.select(criteria), request.page_size,
                                               request.page_token)
        return tasks_pb2.ListTasksResponse(
            tasks=[domain.task_message(r, today) for r in rows], next_page_token=next_token,
            total_size=total)

    def GetTask(self, request: tasks_pb2.GetTaskRequest, context):
        require_fields(request, "tenant", "id")
        current_principal().require(request.tenant, domain.READERS)
        return tasks_pb2.GetTaskResponse(task=domain.task_message(
            self.store.get(request.tenant, request.id)))

    def GetTaskSummary(self, request: tasks_pb2.GetTaskSummaryRequest, context):
        require_fields(request, "tenant")
        current_principal().require(request.tenant, domain.READERS)
        rows = self.tasks.select(Criteria(request.tenant, period=_period(request.period)))
        result = domain.summaries(rows, dt.datetime.now(dt.UTC).date())
        return tasks_pb2.GetTaskSummaryResponse(
            total=_summary(result["total"]), by_unit=[_summary(r) for r in result["by_unit"]],
            by_group=[_summary(r) for r in result["by_group"]])

    def WatchTasks(self, request: tasks_pb2.WatchTasksRequest, context: grpc.ServicerContext):
        require_fields(request, "tenant")
        current_principal().require(request.tenant, domain.READERS)
        subscription = self.fanout.subscribe(request.tenant)
        try:
            while context.is_active():
                envelope = subscription.next(WATCH_POLL_S)
                if envelope is None or envelope.type not in EVENT_MESSAGES:
                    continue
                event = json_format.ParseDict(envelope.data, EVENT_MESSAGES[envelope.type](),
                                              ignore_unknown_fields=True)
                response = tasks_pb2.WatchTasksResponse(event_type=envelope.type,
                                                        task=event.task)
                response.event_time.FromDatetime(envelope.time)
                yield response
        finally:
            self.fanout.unsubscribe(subscription)


def add_to_server(server: grpc.Server, settings: Settings) -> str:
    store = TaskStore(make_client(settings)[database_name(settings, "tasks")])
    store.ensure_indexes()
    fanout = EventFanout(settings.amqp_uri, settings.namespace, "tasks", "task.#")
    servicer = TasksServicer(store, fanout)  # its read model listens from the start
    fanout.start()
    tasks_pb2_grpc.add_TasksServiceServicer_to_server(servicer, server)
    return tasks_pb2.DESCRIPTOR.services_by_name["TasksService"].full_name
