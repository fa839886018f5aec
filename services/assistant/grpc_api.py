"""commune.v1.AssistantService for province integrations (runs in commune-grpc, no
eventlet)."""
from concurrent.futures import ThreadPoolExecutor

import grpc

from commune.v1 import assistant_pb2, assistant_pb2_grpc
from services.common.api import grpc_doors
from services.common.mongo import database_name, make_client
from services.common.publisher import Publisher
from services.common.settings import Settings, get_settings

from .app import OPERATIONS, AssistantApp
from .domain import default_assistant
from .store import AssistantStore


class AssistantServicer(grpc_doors.servicer(
        OPERATIONS, assistant_pb2_grpc.AssistantServiceServicer,
        assistant_pb2.DESCRIPTOR.services_by_name["AssistantService"],
        get_settings().assistant_rate_limit)):
    """The operations (app.py) that have a gRPC method, over their own store and
    publisher; events are sent from a thread of their own."""

    def __init__(self, application: AssistantApp):
        self.application = application


def add_to_server(server: grpc.Server, settings: Settings) -> str:
    store = AssistantStore(make_client(settings)[database_name(settings, "assistant")])
    sender = ThreadPoolExecutor(max_workers=2, thread_name_prefix="assistant-outbox")
    application = AssistantApp(store, Publisher(settings.amqp_uri, settings.namespace),
                               default_assistant(), settings.auth_secret.get_secret_value(),
                               defer=sender.submit)
    assistant_pb2_grpc.add_AssistantServiceServicer_to_server(AssistantServicer(application),
                                                              server)
    return assistant_pb2.DESCRIPTOR.services_by_name["AssistantService"].full_name
