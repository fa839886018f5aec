"""What the IOC's operations take and give, in the names of the contract (proto3 JSON:
lowerCamelCase on the wire, enum values by their proto names): alerts as commune.v1.Alert,
detections as commune.v1.Detection; the commune's configuration (rules, silences, the
registry, the watchlist) as its domain models, which read and write the same spelling, so
that a rule on a field is written once (model.py, rules.py, alerts.py)."""
import datetime as dt
from typing import Literal

from pydantic import Field

from services.common.api.models import ApiModel, PeriodText, Request, TenantRequest

from . import alerts as al
from . import model
from .rules import Rule

ID = Field(min_length=1, max_length=100, description="the alert's id")
CODE_ID = Field(pattern=model.CODE, description="its code: a-z, 0-9, '.', '_', '-'")
AlertStatus = Literal["ALERT_STATUS_OPEN", "ALERT_STATUS_ACKNOWLEDGED",
                      "ALERT_STATUS_RESOLVED", "ALERT_STATUS_SUPPRESSED"]
AlertSeverity = Literal["ALERT_SEVERITY_LOW", "ALERT_SEVERITY_MEDIUM", "ALERT_SEVERITY_HIGH",
                        "ALERT_SEVERITY_CRITICAL"]


def domain_name(name: str, prefix: str) -> str:
    """An enum filter as the store spells it: ALERT_STATUS_OPEN -> open; "" for none."""
    short = name.removeprefix(prefix)
    return "" if short == "UNSPECIFIED" else short.lower()


def enum_name(name: str, prefix: str) -> str:
    """A stored value as the contract's enum spells it: open -> ALERT_STATUS_OPEN."""
    return f"{prefix}{name.upper()}"


# --- responses -------------------------------------------------------------------------

class TrackPoint(ApiModel):
    location: str
    time: dt.datetime


class AlertChange(ApiModel):
    at: dt.datetime
    by: str = Field(description="who, or system")
    action: str
    note: str = ""


class Alert(ApiModel):
    """An alert (commune.v1.Alert); over HTTP and RPC with its history."""

    id: str
    tenant: str
    rule_id: str
    subject: str
    severity: AlertSeverity
    title: str
    status: AlertStatus
    count: int = 0
    first_seen_time: dt.datetime
    last_seen_time: dt.datetime
    open_time: dt.datetime
    locations: list[str] = []
    devices: list[str] = []
    kinds: list[str] = []
    detection_ids: list[str] = []
    track: list[TrackPoint] = []
    escalation_level: int = 0
    silenced_by: str = ""
    acknowledged_by: str = ""
    acknowledge_time: dt.datetime | None = None
    resolved_by: str = ""
    resolve_time: dt.datetime | None = None
    false_positive: bool = False
    version: int = 0
    history: list[AlertChange] = Field([], description="every change, oldest first (not "
                                                       "in commune.v1.Alert)")


class GetAlertResponse(ApiModel):
    """One alert."""

    alert: Alert


class ListAlertsResponse(ApiModel):
    """One page of alerts, newest first."""

    alerts: list[Alert]
    next_page_token: str = Field("", description="the next page's token; empty after the last")
    total_size: int


class AlertEvent(ApiModel):
    """An alert as one of its events announced it."""

    event_type: str = Field(description="ioc.alert_raised, ioc.alert_updated, …")
    event_time: dt.datetime
    alert: Alert


class FalsePositives(ApiModel):
    device: str
    kind: str
    count: int


class AlertStats(ApiModel):
    """How the operators do, over the alerts opened in the period as they stood at its
    end (while it runs: now), or over every alert as it is now: MTTA and MTTR over the
    alerts they handled (system resolutions left out), false-positive marks per camera
    and kind, the alerts by severity and status."""

    period: str = Field("", description="the period asked for; empty for every alert")
    as_of: dt.datetime = Field(description="the moment the figures describe: the period's "
                                           "end, or now")
    raised: int = Field(description="alerts opened (in the period)")
    by_severity: dict[AlertSeverity, int]
    by_status: dict[AlertStatus, int] = Field(description="each alert's status at asOf")
    mtta_seconds: float | None = None
    mttr_seconds: float | None = None
    acknowledged: int = Field(description="alerts acknowledged by asOf")
    resolved: int = Field(description="alerts resolved by an operator by asOf")
    false_positive_alerts: int = Field(description="alerts marked false positive by asOf")
    false_positives: list[FalsePositives]
    open: int


class Rejection(ApiModel):
    index: int = Field(description="counted across the whole stream from 0")
    detection_id: str
    reason: str


class IngestDetectionsResponse(ApiModel):
    """What was handed to the pipeline, and why each refused detection was refused."""

    accepted: int
    rejected: list[Rejection]


class RuleAnswer(ApiModel):
    """One alert rule."""

    rule: Rule


class Rules(ApiModel):
    """The commune's alert rules."""

    rules: list[Rule]


class DeletedRule(ApiModel):
    """The rule deleted."""

    deleted: str


class Silence(ApiModel, al.Silence):
    """A maintenance window: what it matches is recorded, suppressed, not alerted."""


class Silences(ApiModel):
    """The commune's silences, ended ones kept."""

    silences: list[Silence]


class Registry(ApiModel, model.Registry):
    """The commune's locations, cameras and sensors."""


class WatchlistEntry(ApiModel, model.WatchlistEntry):
    """A plate or a person watched for, with its legal basis (Decree 13/2023)."""


class Watchlist(ApiModel):
    """The commune's watchlist (the reading is audited)."""

    entries: list[WatchlistEntry]


class AuditEntry(ApiModel):
    at: dt.datetime
    by: str
    action: Literal["edit", "read"]
    what: str


class AuditTrail(ApiModel):
    """Who edited the commune's configuration or read its watchlist, newest first."""

    entries: list[AuditEntry]


# --- requests --------------------------------------------------------------------------

class IncomingDetection(Request):
    """A detection as the gRPC door receives it (commune.v1.Detection, absent fields at
    their proto3 defaults); the use case checks each on its own (model.Detection)."""

    id: str = ""
    tenant: str = ""
    device_id: str = ""
    time: dt.datetime | None = None
    kind: str | int = "DETECTION_KIND_UNSPECIFIED"
    confidence: float = 0.0
    object_class: str = ""
    object_id: str = ""
    plate: dict | None = None
    watchlist_id: str = ""
    value: float | None = None
    unit: str = ""
    zone: str = ""
    box: dict | None = None

    def fields(self) -> dict:
        """What the detection names, in proto3 JSON (empty text and absent parts left out,
        so that a missing one is reported as missing)."""
        return {k: v for k, v in self.wire().items() if v not in ("", None)}


class IngestDetectionsRequest(Request):
    """One batch of a stream; each detection names its commune."""

    detections: list[IncomingDetection] = []


OPENED_IN = Field("", description='alerts opened in this period of the commune\'s '
                  'calendar (Vietnam time): "Quý I/2026", "Tháng 3/2026", "Năm 2026"; '
                  'empty for every alert', examples=["Quý I/2026"])


class ListAlertsRequest(TenantRequest):
    status: Literal[AlertStatus, "ALERT_STATUS_UNSPECIFIED", ""] = ""
    severity: Literal[AlertSeverity, "ALERT_SEVERITY_UNSPECIFIED", ""] = ""
    rule_id: str = Field("", max_length=64)
    period: PeriodText = OPENED_IN
    page_size: int = Field(0, ge=0, description="0 for 50; at most 200")
    page_token: str = ""


class AlertRequest(TenantRequest):
    id: str = ID


class GetAlertRequest(AlertRequest):
    pass


class MoveAlertRequest(AlertRequest):
    action: Literal["acknowledge", "resolve", "false_positive"] = Field(
        description="acknowledge an open alert; resolve (or mark a false positive) one "
                    "not resolved yet")
    note: str = Field("", max_length=1000)


class WatchAlertsRequest(TenantRequest):
    pass


class GetAlertStatsRequest(TenantRequest):
    period: PeriodText = OPENED_IN


class ListRulesRequest(TenantRequest):
    pass


class SaveRuleRequest(TenantRequest):
    rule: Rule


class DeleteRuleRequest(TenantRequest):
    id: str = CODE_ID


class ListSilencesRequest(TenantRequest):
    pass


class SaveSilenceRequest(TenantRequest, al.Silence):
    created_by: str = Field("", max_length=100, description="set by the service: the caller")


class EndSilenceRequest(TenantRequest):
    id: str = CODE_ID


class GetRegistryRequest(TenantRequest):
    pass


class SaveRegistryRequest(TenantRequest, model.Registry):
    pass


class ListWatchlistRequest(TenantRequest):
    pass


class SaveWatchlistEntryRequest(TenantRequest, model.WatchlistEntry):
    pass


class ListAuditTrailRequest(TenantRequest):
    pass
