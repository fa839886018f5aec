"""The kpi use cases and their table of operations. Each use case takes the caller and its
request model, hands figures and targets to the ledger (ledger.py: the rules of
domain.py, then the store's packed sheets, which nothing here sees) or reads reports
(reading.py), and answers a response model. Every door (nameko RPC and HTTP in
service.py, gRPC in grpc_api.py) runs them through OPERATIONS, which says who may do
what; nothing else checks roles."""
from collections.abc import Callable, Iterator

from google.protobuf import json_format

from commune.v1 import kpi_pb2
from services.common import metrics
from services.common.api.operations import Operation, Operations, Route
from services.common.auth import Principal
from services.common.clock import now
from services.common.errors import InvalidArgument
from services.common.fanout import EventFanout
from services.common.publisher import Publisher

from . import domain
from . import schemas as s
from .indicators import parse_period
from .ledger import Ledger
from .orgtree import OrgTree
from .protos import period_message, report_message, row_message
from .reading import Reports
from .store import KpiStore

WATCH_POLL_S = 1.0
report_seconds = metrics.histogram("kpi", "report_seconds",
                                   "Time to build one report, by the kind of unit",
                                   ("unit_kind",))


class KpiApp:
    """`tree` gives the current org tree; `events` is None where nothing is written;
    `changes` (kpi's events fanned out) only where approvals are watched."""

    def __init__(self, store: KpiStore, tree: Callable[[], OrgTree],
                 events: Publisher | None = None, changes: EventFanout | None = None):
        self.store = store
        self.tree = tree
        self.events = events
        self.changes = changes
        self.reports = Reports(store, tree)

    def communes(self, tenant: str) -> tuple[str, ...]:
        """The communes a tenant stands for: a province's, or the commune itself (the
        operations of province scope are authorised on these)."""
        tree = self.tree()
        return tree.communes(tenant) if tree.kind(tenant) == "province" else (tenant,)

    def _ledger(self) -> Ledger:
        return Ledger(self.store, self.tree(), self.events)

    # --- commands ----------------------------------------------------------------------

    def enter_measurement(self, principal: Principal,
                          request: s.EnterMeasurementRequest) -> s.Measurement:
        entry = self._ledger().enter(request.tenant, request.fields(), principal.subject,
                                     now())
        return _measurement(request, entry)

    def submit_measurement(self, principal: Principal,
                           request: s.SubmitMeasurementRequest) -> s.Measurement:
        return self._move(principal, request, "submit")

    def approve_measurement(self, principal: Principal,
                            request: s.ApproveMeasurementRequest) -> s.Measurement:
        return self._move(principal, request, "approve")

    def return_measurement(self, principal: Principal,
                           request: s.ReturnMeasurementRequest) -> s.Measurement:
        return self._move(principal, request, "return", request.reason)

    def _move(self, principal: Principal, request: s.FigureRequest, action: str,
              reason: str = "") -> s.Measurement:
        entry = self._ledger().act(request.tenant, {**request.where(), "reason": reason},
                                   action, principal.subject, now())
        return _measurement(request, entry)

    def set_target(self, principal: Principal, request: s.SetTargetRequest) -> s.Target:
        return self._set_target(principal, request, "commune")

    def set_province_target(self, principal: Principal,
                            request: s.SetProvinceTargetRequest) -> s.Target:
        return self._set_target(principal, request, "province")

    def _set_target(self, principal: Principal, request: s.TargetRequest,
                    kind: str) -> s.Target:
        if self.tree().kind(request.tenant) != kind:
            other = "set_province_target" if kind == "commune" else "set_target"
            raise InvalidArgument(f"{request.tenant!r} is not a {kind}: its targets are set "
                                  f"with {other}", {"tenant": f"not a {kind}"})
        goal = self._ledger().set_target(request.tenant, request.fields(),
                                         principal.subject, now())
        return s.Target(indicator=request.indicator, unit=request.tenant,
                        period=request.period, comparison=s.COMPARISON_NAMES[goal["comparison"]],
                        value=goal["value"], margin=goal["margin"],
                        source_document=goal["source_document"], set_by=goal["by"],
                        set_time=goal["at"])

    def record_dossier_events(self, principal: Principal, request: s.RecordDossierEventsRequest
                              ) -> s.RecordDossierEventsResponse:
        recorded = self._ledger().record_dossiers(
            request.tenant, [e.model_dump(mode="json") for e in request.events])
        return s.RecordDossierEventsResponse(recorded=recorded)

    # --- queries -----------------------------------------------------------------------

    def list_indicators(self, principal: Principal,
                        request: s.ListIndicatorsRequest) -> s.ListIndicatorsResponse:
        return s.ListIndicatorsResponse(indicators=[
            s.Indicator.model_validate(d.model_dump()) for d in self.reports.definitions()])

    def get_counts(self, principal: Principal, request: s.GetCountsRequest) -> s.Counts:
        return s.Counts(tenant=request.tenant,
                        tasks_created=self.store.tasks_created(request.tenant))

    def measurement_history(self, principal: Principal,
                            request: s.MeasurementHistoryRequest) -> s.MeasurementHistory:
        revisions = self._ledger().history(request.tenant, request.where())
        return s.MeasurementHistory(revisions=[s.Revision.of(r) for r in revisions])

    def dossier_table(self, principal: Principal,
                      request: s.DossierTableRequest) -> s.DossierTable:
        return s.DossierTable.model_validate(
            self.reports.dossier_table(request.tenant, parse_period(request.period)))

    def get_report(self, principal: Principal,
                   request: s.GetReportRequest) -> s.GetReportResponse:
        period = parse_period(request.period)
        kind = self.tree().kind(request.tenant)
        with report_seconds.labels(kind).time():
            found = self.reports.report(request.tenant, period, request.include_drafts,
                                        request.include_communes)
        return s.of_message(s.GetReportResponse,
                            report_message(request.tenant, kind, period, found))

    def get_village_report(self, principal: Principal, request: s.GetVillageReportRequest
                           ) -> s.GetVillageReportResponse:
        period = parse_period(request.period)
        found = self.reports.villages(request.tenant, period, request.indicator,
                                      request.village)
        return s.GetVillageReportResponse(
            commune=request.tenant, period=s.Period.model_validate(
                json_format.MessageToDict(period_message(period))),
            villages=[s.VillageReport(village=v["unit"], rows=[
                s.IndicatorRow.model_validate(json_format.MessageToDict(row_message(r)))
                for r in v["rows"]]) for v in found])

    def watch_approvals(self, principal: Principal, request: s.WatchApprovalsRequest
                        ) -> Iterator[s.WatchApprovalsResponse | None]:
        """Approvals in the tenant's communes as their events go out, and None after each
        second without one (the door checks then that its caller is still there)."""
        subscriptions = [self.changes.subscribe(c) for c in self.communes(request.tenant)]
        try:
            while True:
                for subscription in subscriptions:
                    envelope = subscription.next(WATCH_POLL_S / len(subscriptions))
                    if envelope is None or envelope.type != "kpi.measurement_approved":
                        yield None
                        continue
                    message = kpi_pb2.WatchApprovalsResponse(approval=json_format.ParseDict(
                        envelope.data, kpi_pb2.KpiMeasurementApproved(),
                        ignore_unknown_fields=True))
                    message.event_time.FromDatetime(envelope.time)
                    yield s.of_message(s.WatchApprovalsResponse, message)
        finally:
            for subscription in subscriptions:
                self.changes.unsubscribe(subscription)


def _measurement(request: s.FigureRequest, entry: dict) -> s.Measurement:
    return s.Measurement(**request.where(), current=s.FigureState.of(entry.get("current")),
                         approved=s.FigureState.of(entry.get("approved")))


BASE = "/api/v1/communes/{tenant}/kpi"
PROVINCE = "/api/v1/provinces/{tenant}/kpi"
TENANT = "binh-lu"
FIGURE = {"tenant": TENANT, "indicator": "online-dossiers", "period": "2026-Q3"}
WRITERS, APPROVERS, READERS = domain.WRITERS, domain.APPROVERS, domain.READERS
# A province's own targets: set by its staff or an admin, holding all of its communes.
PROVINCE_TARGETERS = ("admin", "province")

OPERATIONS = Operations(
    "kpi",
    Operation("list_indicators", "Every indicator's definition", s.ListIndicatorsRequest,
              s.ListIndicatorsResponse, READERS, Route("GET", BASE + "/indicators"),
              example={"tenant": TENANT}),
    Operation("enter_measurement", "Enter or revise a figure (a new revision, not approved)",
              s.EnterMeasurementRequest, s.Measurement, WRITERS,
              Route("POST", BASE + "/measurements", 201),
              example={**FIGURE, "numerator": 900, "denominator": 902,
                       "sourceDocument": "Báo cáo số 12/BC-UBND, mục 4"}),
    Operation("submit_measurement", "Submit an entered figure for approval",
              s.SubmitMeasurementRequest, s.Measurement, WRITERS,
              Route("POST", BASE + "/measurements/submit"), example=FIGURE),
    Operation("approve_measurement", "Approve a submitted figure (the commune's leadership)",
              s.ApproveMeasurementRequest, s.Measurement, APPROVERS,
              Route("POST", BASE + "/measurements/approve"), example=FIGURE),
    Operation("return_measurement", "Return a submitted figure to its author, with a reason",
              s.ReturnMeasurementRequest, s.Measurement, WRITERS,
              Route("POST", BASE + "/measurements/return"),
              example={**FIGURE, "reason": "Thiếu số liệu thôn Nậm Pắt"}),
    Operation("measurement_history", "A figure's revisions, oldest first",
              s.MeasurementHistoryRequest, s.MeasurementHistory, READERS,
              Route("GET", BASE + "/measurements/history"), example=FIGURE),
    Operation("set_target", "Set a commune's target for an indicator and period",
              s.SetTargetRequest, s.Target, APPROVERS, Route("PUT", BASE + "/targets"),
              example={"tenant": TENANT, "indicator": "online-dossiers", "period": "2026",
                       "comparison": "COMPARISON_GREATER", "value": 90,
                       "sourceDocument": "Kế hoạch 104-KH/ĐU"}),
    Operation("set_province_target", "Set a province's own target (its token holds all of "
                                     "the province's communes)",
              s.SetProvinceTargetRequest, s.Target, PROVINCE_TARGETERS,
              Route("PUT", PROVINCE + "/targets"), scope="province",
              example={"tenant": "lao-cai", "indicator": "e-health-records", "period": "2026",
                       "comparison": "COMPARISON_EQUAL", "value": 100}),
    Operation("record_dossier_events", "Record dossier events, all or none",
              s.RecordDossierEventsRequest, s.RecordDossierEventsResponse, WRITERS,
              Route("POST", BASE + "/dossier-events"),
              example={"tenant": TENANT, "events": [
                  {"code": "BL-2026-0001", "kind": "received", "date": "2026-07-02",
                   "field": "Hộ tịch", "online": True, "due": "2026-07-10"}]}),
    Operation("dossier_table", "A period's dossiers per field and in total",
              s.DossierTableRequest, s.DossierTable, READERS,
              Route("GET", BASE + "/dossier-table"),
              example={"tenant": TENANT, "period": "2026-Q3"}),
    Operation("get_report", "Every indicator of a commune, or of a province rolled up from "
                            "its communes, for one period",
              s.GetReportRequest, s.GetReportResponse, READERS, Route("GET", BASE + "/report"),
              grpc="GetReport", scope="province",
              example={"tenant": TENANT, "period": "Quý III/2026", "includeDrafts": True}),
    Operation("get_village_report", "A commune's figures per village (the drill-down from "
                                    "its report), of every indicator or one, every village "
                                    "or one, for one period",
              s.GetVillageReportRequest, s.GetVillageReportResponse, READERS,
              Route("GET", BASE + "/village-report"),
              example={"tenant": TENANT, "period": "2026-Q1", "indicator": "villages-4g"}),
    Operation("watch_approvals", "Figures approved from now on, in a commune or a province",
              s.WatchApprovalsRequest, s.WatchApprovalsResponse, READERS,
              grpc="WatchApprovals", rpc=False, scope="province", example={"tenant": TENANT}),
    Operation("get_counts", "What the kpi service has counted of a commune's tasks",
              s.GetCountsRequest, s.Counts, READERS, Route("GET", BASE + "/counts"),
              example={"tenant": TENANT}),
)
