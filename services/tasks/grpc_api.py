"""commune.v1.TasksService for province integrations (runs in commune-grpc, no eventlet)."""
import grpc

from commune.v1 import tasks_pb2, tasks_pb2_grpc
from services.common.api import grpc_doors
from services.common.fanout import EventFanout
from services.common.mongo import database_name, make_client
from services.common.settings import Settings

from .app import OPERATIONS, TasksApp
from .read_model import TaskReadModel
from .store import TaskStore


class TasksServicer(grpc_doors.servicer(OPERATIONS, tasks_pb2_grpc.TasksServiceServicer,
                                        tasks_pb2.DESCRIPTOR.services_by_name["TasksService"])):
    """The operations (app.py) that have a gRPC method; lists and summaries from the read
    model, changes from the tasks' events."""

    def __init__(self, store: TaskStore, fanout: EventFanout):
        self.application = TasksApp(store, reader=TaskReadModel(store, fanout),
                                    changes=fanout)


def add_to_server(server: grpc.Server, settings: Settings) -> str:
    store = TaskStore(make_client(settings)[database_name(settings, "tasks")])
    store.ensure_indexes()
    fanout = EventFanout(settings.amqp_uri, settings.namespace, "tasks", "task.#")
    servicer = TasksServicer(store, fanout)  # its read model listens from the start
    fanout.start()
    tasks_pb2_grpc.add_TasksServiceServicer_to_server(servicer, server)
    return tasks_pb2.DESCRIPTOR.services_by_name["TasksService"].full_name
