"""commune.v1.KpiService for province integrations (runs in commune-grpc, no eventlet)."""
import grpc
from google.protobuf import json_format

from commune.v1 import common_pb2, kpi_pb2, kpi_pb2_grpc
from services.common import metrics
from services.common.auth import Principal
from services.common.errors import InvalidArgument, PermissionDenied
from services.common.fanout import EventFanout
from services.common.grpc_ext.interceptors import current_principal
from services.common.mongo import database_name, make_client
from services.common.settings import Settings

from . import domain
from .protos import period_message, period_of, row_message
from .reading import Reports, tree_from
from .store import KpiStore

WATCH_POLL_S = 1.0
report_seconds = metrics.histogram("kpi", "report_seconds",
                                   "Time to build one report, by the kind of unit",
                                   ("unit_kind",))


class KpiServicer(kpi_pb2_grpc.KpiServiceServicer):
    def __init__(self, reports: Reports, fanout: EventFanout):
        self.reports = reports
        self.fanout = fanout

    def _communes(self, unit: str) -> tuple[str, ...]:
        """The communes a unit stands for, if the caller may read every one."""
        if not unit:
            raise InvalidArgument("unit is required", {"unit": "required"})
        tree = self.reports.tree()
        communes = tree.communes(unit) if tree.kind(unit) == "province" else (unit,)
        principal: Principal = current_principal()
        principal.require_role(domain.READERS)
        refused = [c for c in communes if c not in principal.tenants]
        if refused or not communes:
            raise PermissionDenied(f"{principal.subject!r} has no access to "
                                   f"{', '.join(refused) or unit!r}")
        return communes

    def GetReport(self, request: kpi_pb2.GetReportRequest, context):
        self._communes(request.unit)
        period = period_of(request.period)
        if period is None:
            raise InvalidArgument("period is required", {"period": "required"})
        kind = self.reports.tree().kind(request.unit)
        with report_seconds.labels(kind).time():
            result = self.reports.report(request.unit, period, request.include_drafts,
                                         request.include_communes)
        return kpi_pb2.GetReportResponse(
            unit=request.unit, period=period_message(period),
            kind=common_pb2.OrgUnitKind.Value(f"ORG_UNIT_KIND_{kind.upper()}"),
            rows=[row_message(r) for r in result["rows"]],
            communes=[kpi_pb2.CommuneReport(commune=c["unit"],
                                            rows=[row_message(r) for r in c["rows"]])
                      for c in result["communes"]])

    def WatchApprovals(self, request: kpi_pb2.WatchApprovalsRequest,
                       context: grpc.ServicerContext):
        communes = self._communes(request.unit)
        subscriptions = [self.fanout.subscribe(c) for c in communes]
        try:
            while context.is_active():
                for subscription in subscriptions:
                    envelope = subscription.next(WATCH_POLL_S / len(subscriptions))
                    if envelope is None or envelope.type != "kpi.measurement_approved":
                        continue
                    response = kpi_pb2.WatchApprovalsResponse(approval=json_format.ParseDict(
                        envelope.data, kpi_pb2.KpiMeasurementApproved(),
                        ignore_unknown_fields=True))
                    response.event_time.FromDatetime(envelope.time)
                    yield response
        finally:
            for subscription in subscriptions:
                self.fanout.unsubscribe(subscription)


def add_to_server(server: grpc.Server, settings: Settings) -> str:
    client = make_client(settings)
    store = KpiStore(client[database_name(settings, "kpi")])
    store.ensure_indexes()
    fanout = EventFanout(settings.amqp_uri, settings.namespace, "kpi", "kpi.#")
    fanout.start()
    reports = Reports(store, tree_from(client[database_name(settings, "directory")]))
    kpi_pb2_grpc.add_KpiServiceServicer_to_server(KpiServicer(reports, fanout), server)
    return kpi_pb2.DESCRIPTOR.services_by_name["KpiService"].full_name
