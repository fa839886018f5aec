"""The IOC use cases (app.py) over a mock store and publisher: what they store, send to
the pipeline and answer in the wire's names, and that a caller or a request the table
refuses reads and changes nothing (integration and e2e tests run them for real)."""
import datetime as dt
import json
from unittest import mock

import pytest
from kombu.exceptions import OperationalError

from services.common.api.operations import invoke, parse
from services.common.auth import Principal
from services.common.errors import (
    FailedPrecondition,
    InvalidArgument,
    PermissionDenied,
    Unavailable,
)
from services.iocevents import demo
from services.iocevents.alerts import AlertBook
from services.iocevents.app import OPERATIONS, IocApp
from services.iocevents.rules import Severity, Signal

OPERATOR = Principal("op-lan", "operator", frozenset({"binh-lu"}))
NOW = dt.datetime.now(dt.UTC)


@pytest.fixture
def app():
    store = mock.Mock()
    store.registry.return_value = demo.registry(demo.demo())
    return IocApp(store, mock.Mock())


def run(app, name, request, principal=OPERATOR):
    operation = OPERATIONS[name]
    return invoke(app, operation, principal, parse(operation, request))


def sent(app) -> list[tuple[str, dict]]:
    """(routing key, body) of each message published to the ingest exchange."""
    return [(call.args[2], json.loads(call.args[0]))
            for call in app.publisher.publish_raw.call_args_list]


def open_alert() -> dict:
    signal = Signal(tenant="binh-lu", rule_id="traffic-violation", subject="nga-ba",
                    severity=Severity.LOW, title="Vi phạm giao thông", at=NOW,
                    fold_window=dt.timedelta(minutes=30), location="nga-ba-tan-binh",
                    device="cam-nga-ba-tan-binh-1", kind="traffic_violation",
                    detection_id="d-1")
    return AlertBook().apply(signal, NOW).document()


def test_every_example_of_the_table_is_a_valid_request():
    for operation in OPERATIONS:
        parse(operation, operation.example)


@pytest.mark.parametrize("name, request_, field", [
    ("list_alerts", {"tenant": "binh-lu", "status": ["open"]}, "status"),
    ("list_alerts", {"tenant": "binh-lu", "status": "open"}, "status"),
    ("list_alerts", {"tenant": "binh-lu", "ruleId": {"$ne": ""}}, "ruleId"),
    ("get_alert", {"tenant": "binh-lu", "id": {"$ne": ""}}, "id"),
    ("move_alert", {"tenant": "binh-lu", "id": {"$ne": ""}, "action": "acknowledge"}, "id"),
    ("move_alert", {"tenant": "binh-lu", "id": "a", "action": "close"}, "action"),
    ("end_silence", {"tenant": "binh-lu", "id": {"$ne": ""}}, "id"),
    ("save_rule", {"tenant": "binh-lu", "rule": {"type": "rate", "id": "qua-nhanh",
                                                 "name": "Too many", "count": 1,
                                                 "minutes": 5}}, "rule.rate.count"),
])
def test_requests_of_the_wrong_shape_are_refused_before_any_read(app, name, request_, field):
    with pytest.raises(InvalidArgument) as refused:
        run(app, name, request_)
    assert field in refused.value.fields
    assert not app.store.method_calls


def test_ingestion_by_a_role_that_may_not_ingest_is_refused_before_any_detection_is_read(app):
    officer = Principal("cb-vp-01", "officer", frozenset({"binh-lu"}))
    read = mock.Mock(side_effect=AssertionError("a detection was read"))

    def requests():
        read()
        yield from ()
    with pytest.raises(PermissionDenied, match="role 'officer' may not do this"):
        invoke(app, OPERATIONS["ingest_detections"], officer, requests())
    read.assert_not_called()


def detection(n: int, **fields) -> dict:
    return {"id": f"d-{n}", "tenant": "binh-lu", "deviceId": "cam-cho-binh-lu-1",
            "time": NOW.isoformat(), "kind": "DETECTION_KIND_VEHICLE", "confidence": 0.7,
            **fields}


def test_ingestion_hands_valid_detections_on_and_reports_each_refusal(app):
    batches = [{"detections": [detection(1), detection(2, tenant="lung-phinh")]},
               {"detections": [detection(3, deviceId="cam-khong-co"),
                               detection(4, confidence=0.0)]}]
    operation = OPERATIONS["ingest_detections"]
    answer = invoke(app, operation, OPERATOR, (parse(operation, b) for b in batches)).wire()
    assert answer["accepted"] == 2
    assert [(r["index"], r["detectionId"]) for r in answer["rejected"]] == [(1, "d-2"),
                                                                           (2, "d-3")]
    assert "no access to commune 'lung-phinh'" in answer["rejected"][0]["reason"]
    assert "unknown device" in answer["rejected"][1]["reason"]
    assert [(key, [d["id"] for d in body["detections"]]) for key, body in sent(app)] == [
        ("detection.binh-lu", ["d-1"]), ("detection.binh-lu", ["d-4"])]


def test_a_move_is_recorded_sent_to_the_pipeline_and_answered_as_it_leaves_the_alert(app):
    alert = open_alert()
    app.store.alert.return_value = alert
    answer = run(app, "move_alert", {"tenant": "binh-lu", "id": alert["id"],
                                     "action": "acknowledge", "note": "Đã báo"}).wire()
    assert (answer["status"], answer["acknowledgedBy"]) == ("ALERT_STATUS_ACKNOWLEDGED",
                                                            "op-lan")
    assert answer["ruleId"] == "traffic-violation" and answer["history"][0]["action"] == "opened"
    app.store.record_action.assert_called_once()
    assert sent(app) == [("command.acknowledge", {
        "tenant": "binh-lu", "alert_id": alert["id"], "by": "op-lan", "note": "Đã báo",
        "action": "acknowledge"})]
    with pytest.raises(FailedPrecondition, match="is acknowledged"):
        run(app, "move_alert", {"tenant": "binh-lu", "id": alert["id"],
                                "action": "acknowledge"})


def test_a_move_the_broker_did_not_take_is_forgotten(app):
    alert = open_alert()
    app.store.alert.return_value = alert
    app.publisher.publish_raw.side_effect = OperationalError("no broker")
    with pytest.raises(Unavailable):
        run(app, "move_alert", {"tenant": "binh-lu", "id": alert["id"], "action": "resolve"})
    app.store.forget_action.assert_called_once_with(alert["id"], "resolve")


def test_configuration_is_read_in_the_wires_names_and_stored_in_the_domains(app):
    answer = run(app, "save_rule", {"tenant": "binh-lu", "rule": {
        "type": "threshold", "id": "vuot-den-do", "name": "Vượt đèn đỏ",
        "kinds": ["traffic_violation"], "minConfidence": 0.8,
        "locations": ["cho-binh-lu"]}}).wire()
    stored = app.store.save_rule.call_args.args[1]
    assert stored["min_confidence"] == answer["rule"]["minConfidence"] == 0.8
    assert sent(app) == [("command.reload", {"tenant": "binh-lu", "action": "reload"})]
    with pytest.raises(InvalidArgument, match="unknown locations: khong-co"):
        run(app, "save_rule", {"tenant": "binh-lu", "rule": {
            "type": "watchlist", "id": "wl", "name": "Theo dõi", "locations": ["khong-co"]}})


def test_a_silence_is_created_by_its_caller(app):
    example = OPERATIONS["save_silence"].example
    answer = run(app, "save_silence", {**example, "createdBy": "someone-else"}).wire()
    assert app.store.save_silence.call_args.args[1]["created_by"] == "op-lan"
    assert (answer["createdBy"], answer["ruleIds"]) == ("op-lan", ["dangerous-behaviour"])


def stored_alert(name: str, opened: dt.datetime, severity="low", **moves) -> dict:
    """An alert document as the pipeline leaves it, with the moves given (acknowledged_at,
    resolved_at, resolved_by, false_positive)."""
    status = ("resolved" if moves.get("resolved_at") else
              "acknowledged" if moves.get("acknowledged_at") else "open")
    return {"_id": name, "id": name, "tenant": "binh-lu", "rule_id": "r", "subject": name,
            "severity": severity, "title": name, "status": status, "opened_at": opened,
            "devices": ["cam-1"], "kinds": ["vehicle"], "silenced_by": "", **moves}


def test_a_periods_stats_are_its_alerts_as_they_stood_at_its_end(app):
    vietnam = dt.timezone(dt.timedelta(hours=7))
    march = dt.datetime(2026, 3, 10, 9, 0, tzinfo=vietnam)
    minutes = dt.timedelta(minutes=1)
    app.store.alerts.return_value = [
        stored_alert("a", march, "high", acknowledged_at=march + 3 * minutes,
                     resolved_at=march + 10 * minutes, resolved_by="op-lan"),
        # acknowledged and resolved after the quarter: open at its end
        stored_alert("b", march, acknowledged_at=dt.datetime(2026, 4, 5, tzinfo=vietnam),
                     resolved_at=dt.datetime(2026, 5, 1, tzinfo=vietnam), resolved_by="op-lan"),
        stored_alert("c", march, resolved_at=march + 30 * minutes, resolved_by="op-lan",
                     false_positive=True),
        # marked false positive one second after the quarter ended (Vietnam time)
        stored_alert("d", dt.datetime(2026, 3, 31, 23, 0, tzinfo=vietnam), "high",
                     resolved_at=dt.datetime(2026, 4, 1, 0, 0, 1, tzinfo=vietnam),
                     resolved_by="op-lan", false_positive=True)]
    answer = run(app, "get_alert_stats", {"tenant": "binh-lu", "period": "Quý I/2026"}).wire()
    start, end = (dt.datetime(2026, 1, 1, tzinfo=vietnam),
                  dt.datetime(2026, 4, 1, tzinfo=vietnam))
    assert app.store.alerts.call_args.kwargs["opened"] == (start, end)
    assert dt.datetime.fromisoformat(answer["asOf"]) == end
    assert (answer["raised"], answer["acknowledged"], answer["resolved"],
            answer["falsePositiveAlerts"], answer["open"]) == (4, 1, 2, 1, 2)
    assert answer["bySeverity"] == {"ALERT_SEVERITY_HIGH": 2, "ALERT_SEVERITY_LOW": 2}
    assert answer["byStatus"] == {"ALERT_STATUS_RESOLVED": 2, "ALERT_STATUS_OPEN": 2}
    assert (answer["mttaSeconds"], answer["mttrSeconds"]) == (180.0, 1200.0)
    assert answer["falsePositives"] == [{"device": "cam-1", "kind": "vehicle", "count": 1}]


def test_without_a_period_the_stats_are_of_every_alert_as_it_is_now(app):
    march = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)
    app.store.alerts.return_value = [stored_alert(
        "b", march, acknowledged_at=march + dt.timedelta(days=30),
        resolved_at=march + dt.timedelta(days=50), resolved_by="op-lan")]
    answer = run(app, "get_alert_stats", {"tenant": "binh-lu"}).wire()
    assert app.store.alerts.call_args.kwargs["opened"] is None
    assert (answer["period"], answer["byStatus"]) == ("", {"ALERT_STATUS_RESOLVED": 1})
    assert answer["mttrSeconds"] == 50 * 86400


@pytest.mark.parametrize("name", ["list_alerts", "get_alert_stats"])
@pytest.mark.parametrize("period", ["Quý V/2026", "Thường xuyên", "2026-13"])
def test_a_period_that_names_none_is_refused_before_any_read(app, name, period):
    with pytest.raises(InvalidArgument) as refused:
        run(app, name, {"tenant": "binh-lu", "period": period})
    assert "period" in refused.value.fields
    assert not app.store.method_calls
