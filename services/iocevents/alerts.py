"""Alerts: signals folded into one open alert per (commune, rule, subject), silences,
the lifecycle open -> acknowledged -> resolved, escalation, device health, and the
figures an operator is judged by (MTTA, MTTR, false positives). Pure: the time is
always passed in, so tests set the clock.

One AlertBook is the only writer of the alerts it holds (see pipeline.py): it records
which alerts changed since the last take_changes() and which events that makes."""
import datetime as dt
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field

from pydantic import AwareDatetime, Field, model_validator

from services.common.errors import FailedPrecondition, InvalidArgument, NotFound

from .model import CODE, Camera, Registry, Strict
from .rules import MAX_SIGHTINGS, Severity, Signal

# An alert unacknowledged this long past opening is escalated, and again each period.
ESCALATE_AFTER = {
    Severity.CRITICAL: dt.timedelta(minutes=5),
    Severity.HIGH: dt.timedelta(minutes=15),
    Severity.MEDIUM: dt.timedelta(hours=1),
    Severity.LOW: dt.timedelta(hours=4),
}
MAX_ESCALATION = 3
RECENT_DETECTIONS = 10
TRACK_LENGTH = MAX_SIGHTINGS
DEVICE_HEALTH_RULE = "device-health"
TASK_OVERDUE_RULE = "task-overdue"
KPI_MISSED_RULE = "kpi-missed"
HANDOFF_UNCLAIMED_RULE = "handoff-unclaimed"
KPI_STATUSES = ("missed", "at_risk", "met", "no_data")
OPEN, ACKNOWLEDGED, RESOLVED, SUPPRESSED = "open", "acknowledged", "resolved", "suppressed"
LIVE = (OPEN, ACKNOWLEDGED, SUPPRESSED)
# An operator's moves and the statuses each applies to (refused at once otherwise; the
# AlertBook checks again as the pipeline applies the move).
MOVES = {"acknowledge": (OPEN,), "resolve": LIVE, "false_positive": LIVE}
SYSTEM = "system"

RAISED, UPDATED, ESCALATED, RESOLVED_EVENT = ("ioc.alert_raised", "ioc.alert_updated",
                                              "ioc.alert_escalated", "ioc.alert_resolved")


class Silence(Strict):
    """A maintenance window: matching signals are still folded and counted, in alerts
    marked suppressed (the record of what was suppressed), but no one is alerted."""
    id: str = Field(pattern=CODE)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    reason: str = Field(min_length=3, max_length=500)
    created_by: str = Field("", max_length=100)
    rule_ids: frozenset[str] = frozenset()
    locations: frozenset[str] = frozenset()
    devices: frozenset[str] = frozenset()

    @model_validator(mode="after")
    def _sane(self):
        if self.ends_at <= self.starts_at:
            raise ValueError("endsAt must be after startsAt")
        if not (self.rule_ids or self.locations or self.devices):
            raise ValueError("a silence names rules, locations or devices (not everything)")
        return self

    def ended(self, at: dt.datetime) -> "Silence":
        """This silence ended early at `at` (the record stays: alerts name it); only a
        silence in force can end."""
        if not self.starts_at < at < self.ends_at:
            raise FailedPrecondition(f"silence {self.id!r} is not in force (from "
                                     f"{self.starts_at.isoformat()} to "
                                     f"{self.ends_at.isoformat()})")
        return self.model_copy(update={"ends_at": at})

    def matches(self, signal: Signal, now: dt.datetime) -> bool:
        return (self.starts_at <= now < self.ends_at
                and (not self.rule_ids or signal.rule_id in self.rule_ids)
                and (not self.locations or signal.location in self.locations)
                and (not self.devices or signal.device in self.devices))


@dataclass
class Alert:
    id: str
    tenant: str
    rule_id: str
    subject: str
    severity: str
    title: str
    status: str
    first_seen: dt.datetime
    last_seen: dt.datetime
    opened_at: dt.datetime
    count: int = 0
    locations: list[str] = field(default_factory=list)
    devices: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    detections: list[str] = field(default_factory=list)
    track: list[dict] = field(default_factory=list)
    escalation_level: int = 0
    silenced_by: str = ""
    acknowledged_by: str = ""
    acknowledged_at: dt.datetime | None = None
    resolved_by: str = ""
    resolved_at: dt.datetime | None = None
    false_positive: bool = False
    history: list[dict] = field(default_factory=list)
    version: int = 0

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.tenant, self.rule_id, self.subject)

    def document(self) -> dict:
        return {"_id": self.id, **asdict(self)}

    @classmethod
    def from_document(cls, document: dict) -> "Alert":
        return cls(**{k: v for k, v in document.items() if k in cls.__dataclass_fields__})


def _add_once(values: list[str], value: str) -> None:
    if value and value not in values:
        values.append(value)


def _add_track(alert: Alert, track: tuple[tuple[str, dt.datetime], ...]) -> None:
    """The signal's sightings into the alert's track, each once (a movement signal
    carries its whole window, which the track mostly has already), in time order, the
    latest TRACK_LENGTH kept; every place of it among the alert's locations."""
    known = {(point["location"], point["at"]) for point in alert.track}
    fresh = [{"location": place, "at": at} for place, at in track if (place, at) not in known]
    if fresh:
        alert.track = sorted(alert.track + fresh, key=lambda point: point["at"])[-TRACK_LENGTH:]
    for place, _ in track:
        _add_once(alert.locations, place)


@dataclass
class Change:
    """What happened to one alert since the last take: its events, and the earliest
    arrival of a detection folded into it (for the detection -> alert latency)."""
    alert: Alert
    events: list[str] = field(default_factory=list)
    received_at: dt.datetime | None = None


class AlertBook:
    def __init__(self, alerts: list[Alert] = ()):
        self._live: dict[tuple, Alert] = {}
        self._by_id: dict[str, Alert] = {}
        self._changes: dict[str, Change] = {}
        for alert in alerts:
            self._remember(alert)

    def _remember(self, alert: Alert) -> None:
        self._by_id[alert.id] = alert
        if alert.status in LIVE:
            self._live[alert.key] = alert

    def live(self) -> list[Alert]:
        return list(self._live.values())

    def get(self, alert_id: str) -> Alert:
        alert = self._by_id.get(alert_id)
        if alert is None:
            raise NotFound(f"no alert {alert_id!r}")
        return alert

    def live_for(self, key: tuple[str, str, str]) -> Alert | None:
        return self._live.get(key)

    def _changed(self, alert: Alert, event: str | None, received_at=None) -> None:
        alert.version += 1
        change = self._changes.setdefault(alert.id, Change(alert))
        if event and alert.status != SUPPRESSED and event not in change.events:
            change.events.append(event)
        if received_at and (change.received_at is None or received_at < change.received_at):
            change.received_at = received_at

    def take_changes(self) -> list[Change]:
        """The alerts changed since the last call, each with its events ("updated" only
        when nothing more telling happened); resolved alerts are forgotten here."""
        changes = list(self._changes.values())
        self._changes = {}
        for change in changes:
            if len(change.events) > 1 and UPDATED in change.events:
                change.events.remove(UPDATED)
            if change.alert.status == RESOLVED:
                self._by_id.pop(change.alert.id, None)
        return changes

    # --- signals ------------------------------------------------------------------------

    def apply(self, signal: Signal, now: dt.datetime, silences=()) -> Alert | None:
        """Fold a signal into the live alert of its key, or open one; a clear resolves
        the live alert. Returns the alert touched, if any."""
        alert = self._live.get(signal.key)
        if signal.clear:
            if alert is not None:
                self._resolve(alert, SYSTEM, signal.title, now, False)
            return alert
        silence = next((s for s in silences if s.matches(signal, now)), None)
        stale = alert is not None and (
            signal.at - alert.last_seen > signal.fold_window
            or (alert.status == SUPPRESSED and silence is None))
        if stale:
            note = "silence ended" if alert.status == SUPPRESSED else "fold window passed"
            self._resolve(alert, SYSTEM, note, now, False)
            alert = None
        if alert is None:
            alert = self._open(signal, now, silence)
            event = RAISED
        else:
            event = UPDATED
        alert.count += 1
        alert.first_seen = min(alert.first_seen, signal.at)
        alert.last_seen = max(alert.last_seen, signal.at)
        if signal.track:
            _add_track(alert, signal.track)
        _add_once(alert.locations, signal.location)
        _add_once(alert.devices, signal.device)
        _add_once(alert.kinds, signal.kind)
        if signal.detection_id:
            alert.detections = (alert.detections + [signal.detection_id])[-RECENT_DETECTIONS:]
        self._changed(alert, event, signal.received_at)
        return alert

    def _open(self, signal: Signal, now: dt.datetime, silence: Silence | None) -> Alert:
        alert = Alert(
            id=f"{signal.tenant}:{uuid.uuid4().hex[:16]}", tenant=signal.tenant,
            rule_id=signal.rule_id, subject=signal.subject, severity=signal.severity.value,
            title=signal.title, status=SUPPRESSED if silence else OPEN,
            first_seen=signal.at, last_seen=signal.at, opened_at=now,
            silenced_by=silence.id if silence else "",
            history=[{"at": now, "by": SYSTEM, "action": "opened",
                      "note": f"silenced by {silence.id}" if silence else ""}])
        self._remember(alert)
        return alert

    # --- the operator's lifecycle -------------------------------------------------------

    def acknowledge(self, alert_id: str, by: str, note: str, now: dt.datetime) -> Alert:
        alert = self.get(alert_id)
        if alert.status != OPEN:
            raise FailedPrecondition(f"alert {alert_id!r} is {alert.status}; only an open "
                                     "alert can be acknowledged")
        alert.status, alert.acknowledged_by, alert.acknowledged_at = ACKNOWLEDGED, by, now
        alert.history.append({"at": now, "by": by, "action": "acknowledged", "note": note})
        self._changed(alert, UPDATED)
        return alert

    def resolve(self, alert_id: str, by: str, note: str, now: dt.datetime,
                false_positive: bool = False) -> Alert:
        alert = self.get(alert_id)
        if alert.status == RESOLVED:
            raise FailedPrecondition(f"alert {alert_id!r} is already resolved")
        self._resolve(alert, by, note, now, false_positive)
        return alert

    def _resolve(self, alert: Alert, by: str, note: str, now: dt.datetime,
                 false_positive: bool) -> None:
        announced = alert.status != SUPPRESSED  # no one heard of a suppressed alert
        alert.status, alert.resolved_by, alert.resolved_at = RESOLVED, by, now
        alert.false_positive = false_positive
        action = "marked false positive" if false_positive else "resolved"
        alert.history.append({"at": now, "by": by, "action": action, "note": note})
        if self._live.get(alert.key) is alert:
            del self._live[alert.key]
        self._changed(alert, RESOLVED_EVENT if announced else None)

    def escalate_due(self, now: dt.datetime) -> list[Alert]:
        """Escalate open (unacknowledged) alerts one level per period of their severity's
        limit since they opened."""
        escalated = []
        for alert in self._live.values():
            if alert.status != OPEN:
                continue
            level = min(MAX_ESCALATION,
                        int((now - alert.opened_at) / ESCALATE_AFTER[Severity(alert.severity)]))
            if level > alert.escalation_level:
                alert.escalation_level = level
                alert.history.append({"at": now, "by": SYSTEM, "action": "escalated",
                                      "note": f"level {level}: unacknowledged since "
                                              f"{alert.opened_at.isoformat()}"})
                self._changed(alert, ESCALATED)
                escalated.append(alert)
        return escalated


def silent_devices(tenant: str, registry: Registry, last_heard: dict[str, dt.datetime],
                   now: dt.datetime) -> list[Signal]:
    """Device-health signals: raise for each device not heard within its expected
    interval (last_heard by device code; a device never heard counts from `now` when
    first seen by the caller), clear for each heard again."""
    signals = []
    for device in (*registry.cameras, *registry.sensors):
        heard = last_heard.get(device.code)
        if heard is None:
            continue
        silent = now - heard > dt.timedelta(seconds=device.expected_interval_s)
        what = "Camera" if isinstance(device, Camera) else "Cảm biến"
        signals.append(Signal(
            tenant=tenant, rule_id=DEVICE_HEALTH_RULE, subject=device.code,
            severity=Severity.MEDIUM, at=now, clear=not silent,
            title=(f"{what} {device.code} mất tín hiệu từ {heard:%H:%M %d/%m/%Y} (UTC)"
                   if silent else f"{what} {device.code} có tín hiệu trở lại"),
            fold_window=dt.timedelta(days=1), location=device.location, device=device.code,
            kind="device_health"))
    return signals


def task_overdue_signal(tenant: str, task_id: str, code: str, title: str,
                        now: dt.datetime) -> Signal:
    """An operator alert for a task of the commune's plan that turned overdue."""
    return Signal(tenant=tenant, rule_id=TASK_OVERDUE_RULE, subject=task_id,
                  severity=Severity.MEDIUM, title=f"Nhiệm vụ {code} quá hạn: {title}"[:300],
                  fold_window=dt.timedelta(days=365), at=now, kind="task_overdue")


def handoff_unclaimed_signal(tenant: str, ticket_id: str, question: str, claimed: bool,
                             now: dt.datetime) -> Signal:
    """An operator alert for a citizen's handoff ticket no officer claimed in time, one
    per ticket; its claim (claimed=True) clears it."""
    if not (isinstance(ticket_id, str) and ticket_id):
        raise InvalidArgument("ticket_id is required text")
    title = (f"Phiếu {ticket_id} đã có cán bộ nhận" if claimed
             else f"Phiếu {ticket_id} chưa có cán bộ nhận: {question}")
    return Signal(tenant=tenant, rule_id=HANDOFF_UNCLAIMED_RULE, subject=ticket_id,
                  severity=Severity.MEDIUM, title=title[:300], clear=claimed,
                  fold_window=dt.timedelta(days=365), at=now, kind="handoff_unclaimed")


def kpi_missed_signal(tenant: str, indicator: str, unit: str, period: str, name: str,
                      status: str, now: dt.datetime) -> Signal:
    """An operator alert for a commune's indicator that missed its target in a period,
    one per (indicator, unit, period); any other status (a later approval's) clears it."""
    fields = {"indicator": indicator, "unit": unit, "period": period, "name": name}
    if not all(isinstance(v, str) and v for v in fields.values()):
        raise InvalidArgument(f"{', '.join(fields)} are required text")
    if status not in KPI_STATUSES:
        raise InvalidArgument(f"status is one of {', '.join(KPI_STATUSES)}")
    missed = status == "missed"
    title = (f"Chỉ tiêu {name} không đạt mục tiêu tại {unit}, {period}" if missed
             else f"Chỉ tiêu {name} tại {unit}, {period} không còn ở mức không đạt: {status}")
    return Signal(tenant=tenant, rule_id=KPI_MISSED_RULE, subject=f"{indicator}|{unit}|{period}",
                  severity=Severity.MEDIUM, title=title[:300], clear=not missed,
                  fold_window=dt.timedelta(days=365), at=now, kind="kpi_missed")


def _mean_seconds(spans: list[dt.timedelta]) -> float | None:
    return round(sum(s.total_seconds() for s in spans) / len(spans), 1) if spans else None


def as_of(alert: dict, moment: dt.datetime) -> dict:
    """The alert as it stood at `moment`: an acknowledgement or resolution made later is
    undone (a suppressed alert stays suppressed until it is resolved). The caller leaves
    out alerts opened after `moment`."""
    view = dict(alert)
    if alert.get("resolved_at") and alert["resolved_at"] >= moment:
        view.update(resolved_at=None, resolved_by="", false_positive=False)
    if alert.get("acknowledged_at") and alert["acknowledged_at"] >= moment:
        view.update(acknowledged_at=None, acknowledged_by="")
    view["status"] = (RESOLVED if view.get("resolved_at") else
                      ACKNOWLEDGED if view.get("acknowledged_at") else
                      SUPPRESSED if view.get("silenced_by") else OPEN)
    return view


def counts(alerts: list[dict]) -> dict:
    """How many alerts, by severity and by status, and how many were false positives."""
    return {"raised": len(alerts),
            "by_severity": dict(Counter(a["severity"] for a in alerts)),
            "by_status": dict(Counter(a["status"] for a in alerts)),
            "false_positive_alerts": sum(bool(a.get("false_positive")) for a in alerts)}


def response_times(alerts: list[dict]) -> dict:
    """MTTA and MTTR over alerts an operator handled (system resolutions left out)."""
    acked = [a["acknowledged_at"] - a["opened_at"] for a in alerts if a.get("acknowledged_at")]
    resolved = [a["resolved_at"] - a["opened_at"] for a in alerts
                if a.get("resolved_at") and a.get("resolved_by") not in ("", SYSTEM)]
    return {"mtta_seconds": _mean_seconds(acked), "mttr_seconds": _mean_seconds(resolved),
            "acknowledged": len(acked), "resolved": len(resolved)}


def false_positive_counts(alerts: list[dict]) -> list[dict]:
    """False-positive marks per camera and detection kind, most marked first."""
    counts = Counter((device, kind) for a in alerts if a.get("false_positive")
                     for device in a.get("devices", []) for kind in a.get("kinds", []))
    return [{"device": device, "kind": kind, "count": n}
            for (device, kind), n in counts.most_common()]
