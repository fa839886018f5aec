"""commune.v1.IocService for camera gateways and province systems (runs in commune-grpc,
no eventlet): streamed ingestion that validates and hands detections to the pipeline
through the broker, alert reads, and WatchAlerts."""
import datetime as dt
import time

import grpc
from google.protobuf import json_format

from commune.v1 import ioc_pb2, ioc_pb2_grpc
from services.common.errors import CommuneError, InvalidArgument, require_fields
from services.common.fanout import EventFanout
from services.common.grpc_ext.interceptors import current_principal
from services.common.mongo import database_name, make_client
from services.common.publisher import Publisher
from services.common.settings import Settings

from . import operations
from .broker import SOURCE, publish_detections
from .contract import alert_from_event, alert_message
from .model import Registry, check_against, parse_detection
from .store import IocStore

INGESTERS = ("admin", "operator")
REGISTRY_TTL_S = 30.0
WATCH_POLL_S = 1.0
STATUS_PREFIX, SEVERITY_PREFIX = "ALERT_STATUS_", "ALERT_SEVERITY_"


def _require(request, roles, *fields: str) -> None:
    """The request names its tenant (and `fields`), and the caller may read it."""
    require_fields(request, "tenant", *fields)
    current_principal().require(request.tenant, roles)


def _filter(enum, value: int, prefix: str, field: str) -> str:
    """An enum filter as the store spells it ("" when unspecified); InvalidArgument for a
    number the enum does not have (proto3 enums are open)."""
    try:
        name = enum.Name(value).removeprefix(prefix)
    except ValueError:
        raise InvalidArgument(f"unknown {field} {value}", {field: "unknown"}) from None
    return "" if name == "UNSPECIFIED" else name.lower()


class IocServicer(ioc_pb2_grpc.IocServiceServicer):
    def __init__(self, store: IocStore, publisher: Publisher, fanout: EventFanout):
        self.store = store
        self.publisher = publisher
        self.fanout = fanout
        self._registries: dict[str, tuple[float, Registry]] = {}

    def _registry(self, tenant: str) -> Registry:
        cached = self._registries.get(tenant)
        if cached is None or time.monotonic() - cached[0] > REGISTRY_TTL_S:
            cached = self._registries[tenant] = (time.monotonic(), self.store.registry(tenant))
        return cached[1]

    def IngestDetections(self, request_iterator, context):
        principal = current_principal()
        principal.require_role(INGESTERS)  # the whole call, before any detection is read
        accepted, rejected, index = 0, [], 0
        for request in request_iterator:
            by_tenant: dict[str, list[dict]] = {}
            now = dt.datetime.now(dt.UTC)
            for message in request.detections:
                raw = json_format.MessageToDict(message,
                                                always_print_fields_with_no_presence=True)
                raw = {k: v for k, v in raw.items() if v not in ("", None)}
                try:
                    detection = parse_detection(raw)
                    principal.require(detection.tenant)
                    check_against(detection, self._registry(detection.tenant), now)
                except CommuneError as exc:  # every refusal is reported, none raised
                    rejected.append(ioc_pb2.IngestDetectionsResponse.Rejection(
                        index=index, detection_id=message.id, reason=str(exc)))
                else:
                    by_tenant.setdefault(detection.tenant, []).append(raw)
                index += 1
            for tenant, rows in by_tenant.items():
                publish_detections(self.publisher, tenant, rows)
                accepted += len(rows)
        return ioc_pb2.IngestDetectionsResponse(accepted=accepted, rejected=rejected)

    def ListAlerts(self, request, context):
        _require(request, operations.READERS)
        rows = self.store.alerts(
            request.tenant,
            status=_filter(ioc_pb2.AlertStatus, request.status, STATUS_PREFIX, "status"),
            severity=_filter(ioc_pb2.AlertSeverity, request.severity, SEVERITY_PREFIX,
                             "severity"))
        size = request.page_size if 0 < request.page_size <= 500 else 100
        try:
            start = int(request.page_token or 0)
        except ValueError:
            raise InvalidArgument("invalid page_token", {"page_token": "invalid"}) from None
        page = rows[start:start + size]
        next_token = str(start + size) if start + size < len(rows) else ""
        return ioc_pb2.ListAlertsResponse(alerts=[alert_message(r) for r in page],
                                          next_page_token=next_token, total_size=len(rows))

    def GetAlert(self, request, context):
        _require(request, operations.READERS, "id")
        return ioc_pb2.GetAlertResponse(alert=alert_message(
            self.store.alert(request.tenant, request.id)))

    def WatchAlerts(self, request, context: grpc.ServicerContext):
        _require(request, operations.READERS)
        subscription = self.fanout.subscribe(request.tenant)
        try:
            while context.is_active():
                envelope = subscription.next(WATCH_POLL_S)
                if envelope is None or not envelope.type.startswith("ioc.alert_"):
                    continue
                response = ioc_pb2.WatchAlertsResponse(event_type=envelope.type,
                                                       alert=alert_from_event(envelope))
                response.event_time.FromDatetime(envelope.time)
                yield response
        finally:
            self.fanout.unsubscribe(subscription)


def add_to_server(server: grpc.Server, settings: Settings) -> str:
    store = IocStore(make_client(settings)[database_name(settings, SOURCE)])
    store.ensure_indexes()
    fanout = EventFanout(settings.amqp_uri, settings.namespace, SOURCE, "ioc.#")
    fanout.start()
    ioc_pb2_grpc.add_IocServiceServicer_to_server(
        IocServicer(store, Publisher(settings.amqp_uri, settings.namespace), fanout), server)
    return ioc_pb2.DESCRIPTOR.services_by_name["IocService"].full_name
