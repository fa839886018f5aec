"""commune.v1.TraceService for province integrations (runs in commune-grpc, no eventlet)."""
import grpc

from commune.v1 import trace_pb2, trace_pb2_grpc
from services.common.api import grpc_doors
from services.common.mongo import database_name, make_client
from services.common.publisher import Publisher
from services.common.settings import Settings

from .app import OPERATIONS, TraceApp
from .config import seal_of
from .ledger import Ledger
from .store import TraceStore


class TraceServicer(grpc_doors.servicer(OPERATIONS, trace_pb2_grpc.TraceServiceServicer,
                                        trace_pb2.DESCRIPTOR.services_by_name["TraceService"])):
    """The operations (app.py) that have a gRPC method: the product registry, a batch's
    provenance, and verification of its hash chain."""

    def __init__(self, ledger: Ledger):
        self.application = TraceApp(ledger)


def add_to_server(server: grpc.Server, settings: Settings) -> str:
    store = TraceStore(make_client(settings)[database_name(settings, "trace")])
    store.ensure_indexes()
    ledger = Ledger(store, Publisher(settings.amqp_uri, settings.namespace),
                    seal_of(settings))
    trace_pb2_grpc.add_TraceServiceServicer_to_server(TraceServicer(ledger), server)
    return trace_pb2.DESCRIPTOR.services_by_name["TraceService"].full_name
