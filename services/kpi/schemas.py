"""What the kpi operations take and give, in the names of the contract (proto3 JSON:
lowerCamelCase on the wire, enum values by their proto names). A figure's counts are
`numerator` and `denominator` wherever they travel (entered, answered, in the history);
a report is commune.v1.GetReportResponse as it is. Requests reuse the domain's models, so
a rule on a field is written once."""
import datetime as dt
from typing import Literal

from google.protobuf import json_format
from pydantic import Field, field_validator, model_validator

from services.common import periods
from services.common.api.models import ApiModel, Request, TenantRequest

from . import domain, dossiers
from .indicators import parse_period, period_key

Comparison = Literal["COMPARISON_GREATER", "COMPARISON_GREATER_OR_EQUAL", "COMPARISON_EQUAL",
                     "COMPARISON_LESS_OR_EQUAL"]
COMPARISON_WORDS = {"COMPARISON_GREATER": "gt", "COMPARISON_GREATER_OR_EQUAL": "ge",
                    "COMPARISON_EQUAL": "eq", "COMPARISON_LESS_OR_EQUAL": "le"}
COMPARISON_NAMES = {word: name for name, word in COMPARISON_WORDS.items()}
FigureStatus = Literal["entered", "submitted", "approved"]
PERIOD = Field(description='"2026-Q3", "2026-07", "2026" or "Quý III/2026", "Tháng 7/2026", '
                           '"Năm 2026"', examples=["2026-Q3"])


def _period_key(value: object) -> object:
    """A period as its key ("2026-Q3"), from its key, its Vietnamese label or a
    commune.v1.Period in proto3 JSON (what a gRPC request carries)."""
    if isinstance(value, dict):
        found = periods.from_proto_json(value)
        return period_key(found) if found else parse_period("")  # "period is required"
    return period_key(parse_period(value))


def of_message(model: type[ApiModel], message) -> ApiModel:
    return model.of_message(message, json_format.MessageToDict(message))


# --- responses -------------------------------------------------------------------------

class Indicator(ApiModel):
    """An indicator's definition (chỉ tiêu)."""

    code: str
    name_vi: str
    name_en: str
    kind: Literal["ratio", "count", "amount"]
    numerator: str = Field("", description="what a ratio counts above the line")
    denominator: str = Field("", description="what a ratio counts below the line")
    direction: Literal["higher", "lower"] = "higher"
    source: Literal["manual", "tasks", "dossiers", "assistant", "ioc", "trace"] = "manual"
    roll_up: Literal["sum", "none"] = "sum"
    decimals: int = 2
    at_risk_margin: float = 5.0
    reference: str = ""


class ListIndicatorsResponse(ApiModel):
    """Every indicator: the built-in catalog and those defined since."""

    indicators: list[Indicator]


class Counts(ApiModel):
    """What the kpi service has counted of a commune's tasks."""

    tenant: str
    tasks_created: int


class FigureState(ApiModel):
    """One revision of a figure, as reports read it."""

    revision: int
    status: FigureStatus
    numerator: float | None = None
    denominator: float | None = None
    value: float | None = Field(None, description="in % for a ratio")

    @classmethod
    def of(cls, stored: dict | None) -> "FigureState | None":
        if not stored:
            return None
        return cls(revision=stored["rev"], status=stored["status"], numerator=stored["num"],
                   denominator=stored["den"], value=stored["value"])


class Measurement(ApiModel):
    """One indicator's figure for one org unit and period: its latest revision and the
    approved one (what the province sees)."""

    indicator: str
    unit: str
    period: str
    current: FigureState | None = None
    approved: FigureState | None = None


class Revision(FigureState):
    """A revision of a figure: who made it, when, why, from which document."""

    action: Literal["entered", "revised", "submit", "approve", "return"]
    source_document: str = ""
    note: str = ""
    reason: str = ""
    changed_by: str
    change_time: dt.datetime

    @classmethod
    def of(cls, stored: dict) -> "Revision":
        return cls(**FigureState.of(stored).model_dump(), action=stored["action"],
                   source_document=stored.get("source_document", ""),
                   note=stored.get("note", ""), reason=stored.get("reason", ""),
                   changed_by=stored["by"], change_time=stored["at"])


class MeasurementHistory(ApiModel):
    """A figure's revisions, oldest first."""

    revisions: list[Revision]


class Target(ApiModel):
    """A target of a commune or a province, for one indicator and period."""

    indicator: str
    unit: str
    period: str
    comparison: Comparison
    value: float
    margin: float | None = Field(None, description="overrides the indicator's at-risk margin")
    source_document: str = ""
    set_by: str
    set_time: dt.datetime


class RecordDossierEventsResponse(ApiModel):
    """How many of the events the register did not hold yet."""

    recorded: int


class DossierCounts(ApiModel):
    received: int
    carried_over: int
    online: int
    resolved: int
    on_time: int
    late: int
    in_progress: int
    in_progress_overdue: int
    withdrawn: int


class DossierField(DossierCounts):
    field: str


class DossierTable(ApiModel):
    """A period's dossiers per field and in total, as the quarterly report counts them."""

    fields: list[DossierField]
    total: DossierCounts


# commune.v1 messages, field for field

PeriodKind = Literal["PERIOD_KIND_UNSPECIFIED", "PERIOD_KIND_YEAR", "PERIOD_KIND_QUARTER",
                     "PERIOD_KIND_MONTH"]


class Period(ApiModel):
    kind: PeriodKind = "PERIOD_KIND_UNSPECIFIED"
    year: int = 0
    number: int = 0


class KpiTarget(ApiModel):
    comparison: Literal[Comparison, "COMPARISON_UNSPECIFIED"] = "COMPARISON_UNSPECIFIED"
    value: float = 0.0
    period: Period | None = None


class IndicatorRow(ApiModel):
    """One indicator's line of a report for one org unit (commune.v1.IndicatorRow)."""

    indicator: str
    name_vi: str = ""
    name_en: str = ""
    kind: Literal["INDICATOR_KIND_UNSPECIFIED", "INDICATOR_KIND_RATIO", "INDICATOR_KIND_COUNT",
                  "INDICATOR_KIND_AMOUNT"] = "INDICATOR_KIND_UNSPECIFIED"
    unit: str = ""
    source: str = ""
    has_value: bool = False
    value: float = 0.0
    has_counts: bool = False
    numerator: float = 0.0
    denominator: float = 0.0
    parts: int = 0
    uncounted_parts: int = 0
    target: KpiTarget | None = None
    status: Literal["KPI_STATUS_UNSPECIFIED", "KPI_STATUS_MET", "KPI_STATUS_AT_RISK",
                    "KPI_STATUS_MISSED", "KPI_STATUS_NO_DATA",
                    "KPI_STATUS_NO_TARGET"] = "KPI_STATUS_UNSPECIFIED"
    has_previous_value: bool = False
    previous_value: float = 0.0
    trend: Literal["KPI_TREND_UNSPECIFIED", "KPI_TREND_IMPROVING", "KPI_TREND_STEADY",
                   "KPI_TREND_WORSENING", "KPI_TREND_NO_DATA"] = "KPI_TREND_UNSPECIFIED"


class CommuneReport(ApiModel):
    commune: str
    rows: list[IndicatorRow] = []


class GetReportResponse(ApiModel):
    """Every indicator of a commune, or of a province rolled up from its communes
    (commune.v1.GetReportResponse)."""

    unit: str
    kind: Literal["ORG_UNIT_KIND_UNSPECIFIED", "ORG_UNIT_KIND_PROVINCE", "ORG_UNIT_KIND_COMMUNE",
                  "ORG_UNIT_KIND_VILLAGE"] = "ORG_UNIT_KIND_UNSPECIFIED"
    period: Period
    rows: list[IndicatorRow] = []
    communes: list[CommuneReport] = []


class VillageReport(ApiModel):
    village: str
    rows: list[IndicatorRow] = []


class GetVillageReportResponse(ApiModel):
    """A commune's villages, each with its own figures, coloured against the commune's
    targets (a village has none of its own)."""

    commune: str
    period: Period
    villages: list[VillageReport] = []


class KpiMeasurementApproved(ApiModel):
    tenant: str
    indicator: str
    unit: str
    period: Period
    revision: int = 0
    has_counts: bool = False
    numerator: float = 0.0
    denominator: float = 0.0
    value: float = 0.0
    approved_by: str = ""
    entered_by: str = ""
    source_document: str = ""
    reason: str = ""


class WatchApprovalsResponse(ApiModel):
    """A figure approved, as its event announced it."""

    approval: KpiMeasurementApproved
    event_time: dt.datetime


# --- requests --------------------------------------------------------------------------

class UnitRequest(TenantRequest):
    """A request whose tenant the gRPC contract calls `unit` (a commune, or a province
    for all of its communes)."""

    @model_validator(mode="before")
    @classmethod
    def _unit_is_the_tenant(cls, data: object) -> object:
        if isinstance(data, dict) and "unit" in data and "tenant" not in data:
            data = {**data}
            data["tenant"] = data.pop("unit")
        return data


class ListIndicatorsRequest(TenantRequest):
    pass


class GetCountsRequest(TenantRequest):
    pass


class FigureRequest(TenantRequest):
    """Which figure: an indicator, for the commune or one of its villages, in a period."""

    indicator: str = Field(min_length=1, max_length=64, description="the indicator's code")
    unit: str = Field("", max_length=64, description="one of the commune's villages; the "
                                                     "commune itself when empty")
    period: str = PERIOD

    _period = field_validator("period", mode="before")(_period_key)

    def where(self) -> dict:
        """indicator, unit (the commune when none is named) and period."""
        return {"indicator": self.indicator, "unit": self.unit or self.tenant,
                "period": self.period}


class EnterMeasurementRequest(FigureRequest, domain.Figure):
    reason: str = Field("", max_length=2000, description="required to revise an approved "
                                                        "figure")

    def fields(self) -> dict:
        """The figure as the ledger takes it."""
        return {**self.model_dump(exclude={"tenant"}, exclude_none=True), **self.where()}


class SubmitMeasurementRequest(FigureRequest):
    pass


class ApproveMeasurementRequest(FigureRequest):
    pass


class ReturnMeasurementRequest(FigureRequest):
    reason: str = Field(min_length=1, max_length=2000,
                        description="what the author should look at again")


class MeasurementHistoryRequest(FigureRequest):
    pass


class TargetRequest(TenantRequest):
    indicator: str = Field(min_length=1, max_length=64, description="the indicator's code")
    period: str = PERIOD
    comparison: Comparison
    value: float = Field(ge=0, allow_inf_nan=False)
    margin: float | None = Field(None, ge=0, allow_inf_nan=False,
                                 description="overrides the indicator's at-risk margin")
    source_document: str = Field("", max_length=500)

    _period = field_validator("period", mode="before")(_period_key)

    def fields(self) -> dict:
        """The target as the ledger takes it."""
        return {**self.model_dump(exclude={"tenant"}),
                "comparison": COMPARISON_WORDS[self.comparison]}


class SetTargetRequest(TargetRequest):
    """A commune's target (the tenant is the commune)."""


class SetProvinceTargetRequest(TargetRequest):
    """A province's own target (the tenant is the province)."""


class NewDossierEvent(Request, dossiers.DossierEvent):
    """A dossier received (with its field, whether online, its due date), resolved or
    withdrawn."""


class RecordDossierEventsRequest(TenantRequest):
    events: list[NewDossierEvent] = Field(min_length=1, max_length=1000)


class DossierTableRequest(TenantRequest):
    period: str = PERIOD

    _period = field_validator("period", mode="before")(_period_key)


class GetReportRequest(UnitRequest):
    period: str = PERIOD
    include_drafts: bool = Field(False, description="figures not yet approved too")
    include_communes: bool = Field(False, description="for a province: each commune's rows")

    _period = field_validator("period", mode="before")(_period_key)


class GetVillageReportRequest(TenantRequest):
    period: str = PERIOD
    indicator: str = Field("", max_length=64, description="one indicator's code; every "
                                                          "indicator when empty")
    village: str = Field("", max_length=64, description="one of the commune's villages; "
                                                        "every one when empty")

    _period = field_validator("period", mode="before")(_period_key)


class WatchApprovalsRequest(UnitRequest):
    pass
