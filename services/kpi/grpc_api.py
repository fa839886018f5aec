"""commune.v1.KpiService for province integrations (runs in commune-grpc, no eventlet)."""
import grpc

from commune.v1 import kpi_pb2, kpi_pb2_grpc
from services.common.api import grpc_doors
from services.common.fanout import EventFanout
from services.common.mongo import database_name, make_client
from services.common.settings import Settings

from .app import OPERATIONS, KpiApp
from .reading import tree_from
from .store import KpiStore


class KpiServicer(grpc_doors.servicer(OPERATIONS, kpi_pb2_grpc.KpiServiceServicer,
                                      kpi_pb2.DESCRIPTOR.services_by_name["KpiService"])):
    """The operations (app.py) that have a gRPC method; approvals from kpi's events."""

    def __init__(self, store: KpiStore, tree, fanout: EventFanout):
        self.application = KpiApp(store, tree, changes=fanout)


def add_to_server(server: grpc.Server, settings: Settings) -> str:
    client = make_client(settings)
    store = KpiStore(client[database_name(settings, "kpi")])
    store.ensure_indexes()
    fanout = EventFanout(settings.amqp_uri, settings.namespace, "kpi", "kpi.#")
    fanout.start()
    servicer = KpiServicer(store, tree_from(client[database_name(settings, "directory")]),
                           fanout)
    kpi_pb2_grpc.add_KpiServiceServicer_to_server(servicer, server)
    return kpi_pb2.DESCRIPTOR.services_by_name["KpiService"].full_name
