"""commune.v1.TasksService for province integrations (runs in commune-grpc, no eventlet)."""
import grpc

from commune.v1 import tasks_pb2, tasks_pb2_grpc
from services.common.errors import InvalidArgument
from services.common.grpc_ext.interceptors import current_principal
from services.common.mongo import database_name, make_client
from services.common.settings import Settings

from . import domain
from .store import TaskStore


class TasksServicer(tasks_pb2_grpc.TasksServiceServicer):
    def __init__(self, store: TaskStore):
        self.store = store

    def GetTask(self, request: tasks_pb2.GetTaskRequest, context: grpc.ServicerContext):
        if not request.tenant or not request.id:
            raise InvalidArgument("tenant and id are required",
                                  {f: "required" for f in ("tenant", "id")
                                   if not getattr(request, f)})
        current_principal().require(request.tenant, domain.READERS)
        task = self.store.get(request.tenant, request.id)
        return tasks_pb2.GetTaskResponse(task=domain.task_message(task))


def add_to_server(server: grpc.Server, settings: Settings) -> str:
    store = TaskStore(make_client(settings)[database_name(settings, "tasks")])
    store.ensure_indexes()
    tasks_pb2_grpc.add_TasksServiceServicer_to_server(TasksServicer(store), server)
    return tasks_pb2.DESCRIPTOR.services_by_name["TasksService"].full_name
