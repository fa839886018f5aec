"""commune.v1.IocService for camera gateways and province systems (runs in commune-grpc,
no eventlet)."""
import grpc

from commune.v1 import ioc_pb2, ioc_pb2_grpc
from services.common.api import grpc_doors
from services.common.fanout import EventFanout
from services.common.mongo import database_name, make_client
from services.common.publisher import Publisher
from services.common.settings import Settings

from .app import OPERATIONS, IocApp
from .broker import SOURCE
from .store import IocStore


class IocServicer(grpc_doors.servicer(OPERATIONS, ioc_pb2_grpc.IocServiceServicer,
                                      ioc_pb2.DESCRIPTOR.services_by_name["IocService"])):
    """The operations (app.py) that have a gRPC method: ingestion hands detections to the
    pipeline through the broker; alerts are watched through their events."""

    def __init__(self, store: IocStore, publisher: Publisher, fanout: EventFanout):
        self.application = IocApp(store, publisher, changes=fanout)


def add_to_server(server: grpc.Server, settings: Settings) -> str:
    store = IocStore(make_client(settings)[database_name(settings, SOURCE)])
    store.ensure_indexes()
    fanout = EventFanout(settings.amqp_uri, settings.namespace, SOURCE, "ioc.#")
    fanout.start()
    ioc_pb2_grpc.add_IocServiceServicer_to_server(
        IocServicer(store, Publisher(settings.amqp_uri, settings.namespace), fanout), server)
    return ioc_pb2.DESCRIPTOR.services_by_name["IocService"].full_name
