"""The IOC's use cases and their table of operations: ingest detections, read, watch and
move alerts, edit the commune's rules, silences, registry and watchlist. Each use case
takes the caller and its request model and answers a response model. Alerts are written
by the pipeline only (pipeline.py): a move is recorded here once (IocStore.record_action)
and sent to the pipeline as a command; every edit of a commune's configuration tells the
pipeline to reload it. Every door (nameko RPC and HTTP in service.py, gRPC in
grpc_api.py) runs them through OPERATIONS, which says who may do what; nothing else checks
roles but ingestion's rule that each detection be of a commune the caller's token names."""
import time
from collections.abc import Iterator

from google.protobuf import json_format

from services.common import logs, paging, periods
from services.common.api.operations import Operation, Operations, Route
from services.common.auth import Principal
from services.common.broker_lost import BROKER_LOST
from services.common.clock import now
from services.common.errors import CommuneError, FailedPrecondition, InvalidArgument, Unavailable
from services.common.fanout import EventFanout
from services.common.publisher import Publisher

from . import alerts as al
from . import schemas as s
from .broker import publish_command, publish_detections
from .contract import alert_from_event, alert_message
from .model import Registry, check_against, parse_detection
from .rules import placed, rule_document
from .store import IocStore

log = logs.get_logger(__name__)
REGISTRY_TTL_S = 30.0
WATCH_POLL_S = 1.0


class IocApp:
    """`changes` (the alert events fanned out) only where alerts are watched."""

    def __init__(self, store: IocStore, publisher: Publisher,
                 changes: EventFanout | None = None):
        self.store = store
        self.publisher = publisher
        self.changes = changes
        self._registries: dict[str, tuple[float, Registry]] = {}

    def _send(self, action: str, command: dict) -> None:
        try:
            publish_command(self.publisher, action, command)
        except BROKER_LOST as exc:  # the cause to the log, not the caller
            log.warning("command not sent", action=action, error=f"{type(exc).__name__}: {exc}")
            raise Unavailable("the broker did not take the command; try again") from None

    # --- detections ------------------------------------------------------------------------

    def ingest_detections(self, principal: Principal, requests: Iterator[
            s.IngestDetectionsRequest]) -> s.IngestDetectionsResponse:
        """Each detection checked on its own (and of a commune the caller's token names),
        the valid ones handed to the pipeline per batch and commune; every refusal is
        reported with its reason, none fails the call."""
        accepted, rejected, index = 0, [], 0
        for request in requests:
            by_tenant: dict[str, list[dict]] = {}
            at = now()
            for item in request.detections:
                raw = item.fields()
                try:
                    detection = parse_detection(raw)
                    principal.require(detection.tenant)
                    check_against(detection, self._registry(detection.tenant), at)
                except CommuneError as exc:
                    rejected.append(s.Rejection(index=index, detection_id=item.id,
                                                reason=str(exc)))
                else:
                    by_tenant.setdefault(detection.tenant, []).append(raw)
                index += 1
            for tenant, rows in by_tenant.items():
                publish_detections(self.publisher, tenant, rows)
                accepted += len(rows)
        return s.IngestDetectionsResponse(accepted=accepted, rejected=rejected)

    def _registry(self, tenant: str) -> Registry:
        cached = self._registries.get(tenant)
        if cached is None or time.monotonic() - cached[0] > REGISTRY_TTL_S:
            cached = self._registries[tenant] = (time.monotonic(), self.store.registry(tenant))
        return cached[1]

    # --- alerts ----------------------------------------------------------------------------

    def list_alerts(self, principal: Principal,
                    request: s.ListAlertsRequest) -> s.ListAlertsResponse:
        rows = self.store.alerts(request.tenant,
                                 status=s.domain_name(request.status, "ALERT_STATUS_"),
                                 severity=s.domain_name(request.severity, "ALERT_SEVERITY_"),
                                 rule_id=request.rule_id, opened=_span(request.period))
        chosen, next_token, total = paging.page(rows, request.page_size, request.page_token)
        return s.ListAlertsResponse(alerts=[_alert(r) for r in chosen],
                                    next_page_token=next_token, total_size=total)

    def get_alert(self, principal: Principal, request: s.GetAlertRequest) -> s.GetAlertResponse:
        return s.GetAlertResponse(alert=_alert(self.store.alert(request.tenant, request.id)))

    def move_alert(self, principal: Principal, request: s.MoveAlertRequest) -> s.Alert:
        """The alert as the move leaves it, which the pipeline applies within moments
        (202 on HTTP)."""
        alert = self.store.alert(request.tenant, request.id)
        if alert["status"] not in al.MOVES[request.action]:
            raise FailedPrecondition(f"alert {request.id!r} is {alert['status']}")
        at, by = now(), principal.subject
        self.store.record_action(alert, request.action, by, request.note, at)
        try:
            self._send(request.action, {"tenant": request.tenant, "alert_id": request.id,
                                        "by": by, "note": request.note})
        except Unavailable:
            self.store.forget_action(request.id, request.action)
            raise
        if request.action == "acknowledge":
            alert.update(status=al.ACKNOWLEDGED, acknowledged_by=by, acknowledged_at=at)
        else:
            alert.update(status=al.RESOLVED, resolved_by=by, resolved_at=at,
                         false_positive=request.action == "false_positive")
        return _alert(alert)

    def watch_alerts(self, principal: Principal,
                     request: s.WatchAlertsRequest) -> Iterator[s.AlertEvent | None]:
        """The commune's alert events as they go out, and None after each second without
        one (the door checks then that its caller is still there)."""
        subscription = self.changes.subscribe(request.tenant)
        try:
            while True:
                envelope = subscription.next(WATCH_POLL_S)
                if envelope is None or not envelope.type.startswith("ioc.alert_"):
                    yield None
                    continue
                message = alert_from_event(envelope)
                yield s.AlertEvent(event_type=envelope.type, event_time=envelope.time,
                                   alert=s.Alert.of_message(
                                       message, json_format.MessageToDict(message)))
        finally:
            self.changes.unsubscribe(subscription)

    def get_alert_stats(self, principal: Principal,
                        request: s.GetAlertStatsRequest) -> s.AlertStats:
        """The figures of the alerts opened in the period as they stood at its end (so a
        past period's figures do not change), or of every alert as it is now."""
        span, at = _span(request.period), now()
        if span:
            at = min(at, span[1])
        rows = [al.as_of(r, at) for r in self.store.alerts(request.tenant, opened=span)]
        counted = al.counts(rows)
        return s.AlertStats(
            period=request.period, as_of=at, raised=counted["raised"],
            by_severity={s.enum_name(k, "ALERT_SEVERITY_"): n
                         for k, n in counted["by_severity"].items()},
            by_status={s.enum_name(k, "ALERT_STATUS_"): n
                       for k, n in counted["by_status"].items()},
            false_positive_alerts=counted["false_positive_alerts"],
            **al.response_times(rows), false_positives=al.false_positive_counts(rows),
            open=counted["by_status"].get(al.OPEN, 0))

    # --- the commune's configuration ------------------------------------------------------

    def _changed(self, tenant: str, by: str, what: str) -> None:
        self.store.audit(tenant, by, "edit", what, now())
        self._send("reload", {"tenant": tenant})

    def list_rules(self, principal: Principal, request: s.ListRulesRequest) -> s.Rules:
        return s.Rules(rules=self.store.rules(request.tenant))

    def save_rule(self, principal: Principal, request: s.SaveRuleRequest) -> s.RuleAnswer:
        rule = placed(request.rule, self.store.registry(request.tenant))
        self.store.save_rule(request.tenant, rule_document(rule))
        self._changed(request.tenant, principal.subject, f"rule {rule.id}")
        return s.RuleAnswer(rule=rule)

    def delete_rule(self, principal: Principal, request: s.DeleteRuleRequest) -> s.DeletedRule:
        self.store.delete_rule(request.tenant, request.id)
        self._changed(request.tenant, principal.subject, f"rule {request.id} deleted")
        return s.DeletedRule(deleted=request.id)

    def list_silences(self, principal: Principal, request: s.ListSilencesRequest) -> s.Silences:
        return s.Silences(silences=self.store.silences(request.tenant))

    def save_silence(self, principal: Principal, request: s.SaveSilenceRequest) -> s.Silence:
        silence = al.Silence.model_validate({**request.model_dump(exclude={"tenant"}),
                                             "created_by": principal.subject})
        document = silence.model_dump(mode="json")
        self.store.save_silence(request.tenant, document)
        self._changed(request.tenant, principal.subject, f"silence {silence.id}")
        return s.Silence.model_validate(document)

    def end_silence(self, principal: Principal, request: s.EndSilenceRequest) -> s.Silence:
        """End a silence now, keeping it; the pipeline reloads it, so what it matched
        alerts again."""
        silence = al.Silence.model_validate(self.store.silence(request.tenant, request.id))
        ended = silence.ended(now()).model_dump(mode="json")
        self.store.save_silence(request.tenant, ended)
        self._changed(request.tenant, principal.subject, f"silence {request.id} ended")
        return s.Silence.model_validate(ended)

    def get_registry(self, principal: Principal, request: s.GetRegistryRequest) -> s.Registry:
        return s.Registry.model_validate(self.store.registry(request.tenant).model_dump())

    def save_registry(self, principal: Principal,
                      request: s.SaveRegistryRequest) -> s.Registry:
        registry = Registry.model_validate(request.model_dump(exclude={"tenant"}))
        self.store.save_registry(request.tenant, registry)
        self._changed(request.tenant, principal.subject, "registry")
        return s.Registry.model_validate(registry.model_dump())

    def list_watchlist(self, principal: Principal,
                       request: s.ListWatchlistRequest) -> s.Watchlist:
        """The watchlist, with the reading recorded (who, when)."""
        self.store.audit(request.tenant, principal.subject, "read", "watchlist", now())
        return s.Watchlist(entries=self.store.watchlist(request.tenant))

    def save_watchlist_entry(self, principal: Principal,
                             request: s.SaveWatchlistEntryRequest) -> s.WatchlistEntry:
        entry = request.model_dump(mode="json", exclude={"tenant"})
        self.store.save_watchlist_entry(request.tenant, entry)
        self._changed(request.tenant, principal.subject, f"watchlist entry {entry['id']}")
        return s.WatchlistEntry.model_validate(entry)

    def list_audit_trail(self, principal: Principal,
                         request: s.ListAuditTrailRequest) -> s.AuditTrail:
        return s.AuditTrail(entries=self.store.audit_trail(request.tenant))


def _span(period: str) -> tuple | None:
    """The instants a period of the commune's calendar runs between; None for none."""
    if not period:
        return None
    found = periods.parse(period)
    if found is None:
        raise InvalidArgument(f"{period!r} names no period", {"period": "no period"})
    return found.span()


def _alert(document: dict) -> s.Alert:
    """An alert document as commune.v1.Alert, with its history."""
    message = alert_message(document)
    return s.Alert.of_message(message, {**json_format.MessageToDict(message),
                                        "history": document.get("history", [])})


BASE = "/api/v1/communes/{tenant}/ioc"
ALERT = BASE + "/alerts/{id}"
TENANT, ALERT_ID = "binh-lu", "binh-lu:3f9a1c0e7b2d4a6f"
READERS = ("admin", "officer", "operator", "province")
OPERATORS = ("admin", "operator")
# Watchlists hold personal data (Decree 13/2023): only these roles read them, audited.
WATCHLIST_ROLES = ("admin",)

OPERATIONS = Operations(
    "iocevents",
    Operation("ingest_detections", "Detections from camera gateways, streamed in batches",
              s.IngestDetectionsRequest, s.IngestDetectionsResponse, OPERATORS,
              grpc="IngestDetections", rpc=False, scope="item",
              example={"detections": [{"id": "cam-cho-binh-lu-1:000123", "tenant": TENANT,
                                       "deviceId": "cam-cho-binh-lu-1",
                                       "time": "2026-11-23T03:00:00Z",
                                       "kind": "DETECTION_KIND_VEHICLE", "confidence": 0.9,
                                       "objectClass": "car"}]}),
    Operation("list_alerts", "A page of alerts, newest first, filtered (by the period they "
              "opened in too)", s.ListAlertsRequest,
              s.ListAlertsResponse, READERS, Route("GET", BASE + "/alerts"), grpc="ListAlerts",
              example={"tenant": TENANT, "status": "ALERT_STATUS_OPEN", "pageSize": 20}),
    Operation("get_alert", "One alert, with its history", s.GetAlertRequest,
              s.GetAlertResponse, READERS, Route("GET", ALERT), grpc="GetAlert",
              example={"tenant": TENANT, "id": ALERT_ID}),
    Operation("move_alert", "Acknowledge, resolve or mark a false positive (applied by the "
              "pipeline within moments)", s.MoveAlertRequest, s.Alert, OPERATORS,
              Route("POST", ALERT + "/{action}", 202),
              example={"tenant": TENANT, "id": ALERT_ID, "action": "acknowledge",
                       "note": "Đã báo cảnh sát giao thông"}),
    Operation("watch_alerts", "A commune's alert events, live", s.WatchAlertsRequest,
              s.AlertEvent, READERS, grpc="WatchAlerts", rpc=False, example={"tenant": TENANT}),
    Operation("get_alert_stats", "Alerts by severity and status, MTTA, MTTR, false positives "
              "per camera and kind; for a period: its alerts as they stood at its end",
              s.GetAlertStatsRequest, s.AlertStats, READERS, Route("GET", BASE + "/stats"),
              example={"tenant": TENANT, "period": "Quý I/2026"}),
    Operation("list_rules", "The commune's alert rules", s.ListRulesRequest, s.Rules, READERS,
              Route("GET", BASE + "/rules"), example={"tenant": TENANT}),
    Operation("save_rule", "Add or change an alert rule", s.SaveRuleRequest, s.RuleAnswer,
              OPERATORS, Route("PUT", BASE + "/rules"),
              example={"tenant": TENANT, "rule": {
                  "type": "threshold", "id": "vuot-den-do", "name": "Vượt đèn đỏ",
                  "kinds": ["traffic_violation"], "minConfidence": 0.8, "severity": "low"}}),
    Operation("delete_rule", "Delete an alert rule", s.DeleteRuleRequest, s.DeletedRule,
              OPERATORS, Route("DELETE", BASE + "/rules/{id}"),
              example={"tenant": TENANT, "id": "vuot-den-do"}),
    Operation("list_silences", "The commune's silences, ended ones kept",
              s.ListSilencesRequest, s.Silences, READERS, Route("GET", BASE + "/silences"),
              example={"tenant": TENANT}),
    Operation("save_silence", "Add or change a silence (a maintenance window)",
              s.SaveSilenceRequest, s.Silence, OPERATORS, Route("PUT", BASE + "/silences"),
              example={"tenant": TENANT, "id": "bao-tri-thcs",
                       "reason": "Bảo trì camera trường THCS",
                       "startsAt": "2027-01-09T01:00:00Z", "endsAt": "2027-01-09T05:00:00Z",
                       "ruleIds": ["dangerous-behaviour"], "locations": ["truong-thcs"]}),
    Operation("end_silence", "End a silence now, keeping its record", s.EndSilenceRequest,
              s.Silence, OPERATORS, Route("POST", BASE + "/silences/{id}/end"),
              example={"tenant": TENANT, "id": "bao-tri-cho"}),
    Operation("get_registry", "The commune's locations, cameras and sensors",
              s.GetRegistryRequest, s.Registry, READERS, Route("GET", BASE + "/registry"),
              example={"tenant": TENANT}),
    Operation("save_registry", "Replace the commune's registry", s.SaveRegistryRequest,
              s.Registry, OPERATORS, Route("PUT", BASE + "/registry"),
              example={"tenant": TENANT, "locations": [{
                  "code": "cho-binh-lu", "name": "Chợ trung tâm xã", "village": "Tân Bình",
                  "latitude": 22.27, "longitude": 103.63}], "cameras": [{
                      "code": "cam-cho-binh-lu-1", "location": "cho-binh-lu", "kind": "anpr",
                      "capabilities": ["plate_read", "vehicle"], "expectedIntervalS": 300}]}),
    Operation("list_watchlist", "The commune's watchlist (the reading is audited)",
              s.ListWatchlistRequest, s.Watchlist, WATCHLIST_ROLES,
              Route("GET", BASE + "/watchlist"), example={"tenant": TENANT}),
    Operation("save_watchlist_entry", "Add or change a watchlist entry",
              s.SaveWatchlistEntryRequest, s.WatchlistEntry, WATCHLIST_ROLES,
              Route("PUT", BASE + "/watchlist"),
              example={"tenant": TENANT, "id": "wl-xe-003", "kind": "plate",
                       "value": "25A-222.22", "reason": "Xe báo mất trộm",
                       "legalBasis": "Nghị định 13/2023/NĐ-CP, Điều 17",
                       "approvedBy": "truong-cong-an-xa", "expiresAt": "2027-03-01T00:00:00Z"}),
    Operation("list_audit_trail", "Who edited the configuration or read the watchlist",
              s.ListAuditTrailRequest, s.AuditTrail, WATCHLIST_ROLES,
              Route("GET", BASE + "/audit"), example={"tenant": TENANT}),
)
