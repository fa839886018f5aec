"""commune.v1.TasksService for province integrations (runs in commune-grpc, no eventlet)."""
import grpc
from google.protobuf import json_format

from commune.v1 import events_pb2, tasks_pb2, tasks_pb2_grpc
from services.common.api import grpc_doors
from services.common.api.operations import authorize
from services.common.errors import require_fields
from services.common.fanout import EventFanout
from services.common.grpc_ext.interceptors import current_principal
from services.common.mongo import database_name, make_client
from services.common.settings import Settings

from .app import OPERATIONS, TasksApp
from .read_model import TaskReadModel
from .store import TaskStore

# Each task event's payload carries the task as it is after the change.
EVENT_MESSAGES = {
    "task.created": events_pb2.TaskCreated,
    "task.assigned": events_pb2.TaskAssigned,
    "task.progress_reported": events_pb2.TaskProgressReported,
    "task.status_changed": events_pb2.TaskStatusChanged,
    "task.overdue": events_pb2.TaskOverdue,
    "task.completed": events_pb2.TaskCompleted,
    "task.review_decided": events_pb2.TaskReviewDecided,
}
WATCH_POLL_S = 1.0


class TasksServicer(grpc_doors.servicer(OPERATIONS, tasks_pb2_grpc.TasksServiceServicer,
                                        tasks_pb2.DESCRIPTOR.services_by_name["TasksService"])):
    """ListTasks, GetTask and GetTaskSummary run the operations (app.py), lists and
    summaries from the read model; WatchTasks streams the tasks' events."""

    def __init__(self, store: TaskStore, fanout: EventFanout):
        self.fanout = fanout
        self.application = TasksApp(store, reader=TaskReadModel(store, fanout))

    def WatchTasks(self, request: tasks_pb2.WatchTasksRequest, context: grpc.ServicerContext):
        require_fields(request, "tenant")
        authorize(current_principal(), OPERATIONS["list_tasks"], request.tenant)
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
