"""The IOC's edges, without the broker: gateway message shapes, the alert contract, the
camera simulator against the demo registry."""
import datetime as dt
import json

import pytest

from commune.v1 import assistant_pb2, common_pb2, ioc_pb2, kpi_pb2
from services.common.envelope import Envelope, InvalidEvent
from services.common.errors import InvalidArgument
from services.iocevents import demo
from services.iocevents.alerts import AlertBook
from services.iocevents.contract import alert_event, alert_from_event, alert_message
from services.iocevents.model import check_against, parse_detection
from services.iocevents.pipeline import MAX_PER_MESSAGE, RecentIds, _detections_in
from services.iocevents.rules import Severity, Signal
from services.iocevents.service import handoff_command, kpi_target_command
from services.iocevents.simulator import CameraSimulator

NOW = dt.datetime(2026, 11, 23, 3, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("body, count", [
    (b'{"id": "a"}', 1),
    (b'{"detections": [{"id": "a"}, {"id": "b"}]}', 2),
    (b'[{"id": "a"}]', 1),
])
def test_a_gateway_sends_one_detection_or_a_batch(body, count):
    assert len(_detections_in(body)) == count


@pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe", b'{"detections": []}', b'"text"',
                                  json.dumps([{}] * (MAX_PER_MESSAGE + 1)).encode()])
def test_unreadable_gateway_messages_are_refused(body):
    with pytest.raises(InvalidArgument):
        _detections_in(body)


def kpi_event(event_type="kpi.target_missed", tenant="binh-lu",
              status=kpi_pb2.KPI_STATUS_MISSED, **row):
    message = {"kpi.target_missed": kpi_pb2.KpiTargetMissed,
               "kpi.target_recovered": kpi_pb2.KpiTargetRecovered}[event_type](
        tenant=tenant, period=common_pb2.Period(kind=common_pb2.PERIOD_KIND_QUARTER,
                                                year=2026, number=1),
        row=kpi_pb2.IndicatorRow(**{"indicator": "online-dossiers", "unit": "binh-lu",
                                    "name_vi": "Tỷ lệ hồ sơ trực tuyến", "status": status,
                                    **row}))
    return message, Envelope.wrap(event_type, "kpi", "binh-lu", message)


def test_kpi_target_events_become_pipeline_commands():
    assert kpi_target_command(*kpi_event()) == {
        "tenant": "binh-lu", "indicator": "online-dossiers", "unit": "binh-lu",
        "period": "Quý I/2026", "name": "Tỷ lệ hồ sơ trực tuyến", "status": "missed"}
    recovered = kpi_event("kpi.target_recovered", status=kpi_pb2.KPI_STATUS_MET)
    assert kpi_target_command(*recovered)["status"] == "met"


@pytest.mark.parametrize("event, reason", [
    (kpi_event(indicator=""), "no indicator or no unit"),
    (kpi_event(status=kpi_pb2.KPI_STATUS_MET), "kpi.target_missed with status met"),
    (kpi_event("kpi.target_recovered"), "kpi.target_recovered with status missed"),
    (kpi_event(status=kpi_pb2.KPI_STATUS_UNSPECIFIED), "with status unspecified"),
])
def test_kpi_target_events_that_do_not_add_up_are_refused_with_the_reason(event, reason):
    with pytest.raises(InvalidEvent, match=reason):
        kpi_target_command(*event)


def test_a_kpi_target_event_needs_a_real_period():
    message, envelope = kpi_event()
    message.period.Clear()
    with pytest.raises(InvalidEvent, match="names no period"):
        kpi_target_command(message, envelope)
    message.period.CopyFrom(common_pb2.Period(kind=common_pb2.PERIOD_KIND_QUARTER, year=2026,
                                              number=7))
    with pytest.raises(InvalidArgument, match="no such period"):
        kpi_target_command(message, envelope)


def test_recent_ids_forget_the_oldest_first():
    ids = RecentIds(2)
    assert [ids.add(k) for k in ("a", "b", "a", "c", "a")] == [True, True, False, True, True]


def test_an_alert_travels_as_its_proto_message_and_back():
    book = AlertBook()
    signal = Signal(tenant="binh-lu", rule_id="watchlist-movement", subject="25A16868",
                    severity=Severity.CRITICAL, title="moving", at=NOW,
                    fold_window=dt.timedelta(hours=1), location="cau-na-da",
                    device="cam-cau-na-da-1", kind="plate_read", detection_id="d-1",
                    track=(("cong-an-xa", NOW - dt.timedelta(minutes=5)), ("cau-na-da", NOW)))
    alert = book.apply(signal, NOW)
    message = alert_message(alert.document())
    assert message.severity == ioc_pb2.ALERT_SEVERITY_CRITICAL
    assert message.status == ioc_pb2.ALERT_STATUS_OPEN
    assert [p.location for p in message.track] == ["cong-an-xa", "cau-na-da"]
    assert message.open_time.ToDatetime(dt.UTC) == NOW
    event = alert_event("ioc.alert_raised", alert.document())
    assert (event.type, event.subject, event.dataschema) == \
        ("ioc.alert_raised", alert.id, "commune.v1.AlertRaised")
    assert alert_from_event(event) == message


def test_simulated_traffic_is_valid_for_the_demo_registry():
    data = demo.demo()
    registry = demo.registry(data)
    simulator = CameraSimulator("binh-lu", registry, ["25A-168.68"], seed=1)
    by_location = simulator.tick(500, NOW)
    rows = [row for rows in by_location.values() for row in rows]
    assert len(rows) == 500 and len({r["id"] for r in rows}) == 500
    kinds = set()
    for place, rows in by_location.items():
        for row in rows:
            detection = parse_detection(row)
            assert check_against(detection, registry, NOW).location == place
            kinds.add(detection.kind.value)
    assert {"vehicle", "plate_read", "traffic_violation", "sensor_reading"} <= kinds


def test_replay_hands_over_only_what_the_broker_confirmed_after_an_outage(monkeypatch):
    """A gateway holds a batch while the broker is away and sends it again: the batch is
    reported confirmed once, after it was accepted, never while it was refused."""
    from services.iocevents import simulator as sim

    monkeypatch.setattr(sim, "OUTAGE_PAUSE_S", 0)

    class Flaky:  # refuses the first two publishes as an unreachable broker does
        namespace = "test"

        def __init__(self):
            self.refused, self.accepted = 0, []

        def publish_raw(self, body, exchange, routing_key, headers, declare=()):
            if self.refused < 2:
                self.refused += 1
                raise ConnectionRefusedError("broker away")
            self.accepted += [row["id"] for row in json.loads(body)["detections"]]

    registry = demo.registry(demo.demo())
    simulator = sim.CameraSimulator("binh-lu", registry, ["25A-168.68"], seed=3,
                                    watched_share=1.0)
    publisher, confirmed = Flaky(), []
    sent = sim.replay(publisher, simulator, rate=200, duration=0.3,
                      confirmed=lambda rows: confirmed.extend(r["id"] for r in rows))
    assert publisher.refused == 2 and sent == len(confirmed) > 0
    assert confirmed == publisher.accepted and len(set(confirmed)) == len(confirmed)
    # watched_share=1: every plate read is of a watchlisted plate.
    plates = {row["plate"]["text"] for rows in simulator.tick(200, NOW).values()
              for row in rows if "plate" in row}
    assert plates == {"25A-168.68"}


def test_the_demo_is_binh_lus_sixteen_locations_with_two_or_three_cameras_each():
    data = demo.demo()
    registry = demo.registry(data)
    key_places = [p["code"] for p in data["locations"]]
    assert len(key_places) == 16
    cameras = {code: sum(c.location == code for c in registry.cameras) for code in key_places}
    assert set(cameras.values()) <= {2, 3}
    assert sorted(registry.location(s.location).village for s in registry.sensors) == \
        ["Hưng Bình", "Nà Đa", "Tân Bình"]


def test_handoff_events_become_pipeline_commands_naming_their_ticket():
    unclaimed = Envelope.wrap("assistant.handoff_unclaimed", "assistant", "binh-lu",
                              assistant_pb2.HandoffUnclaimed(ticket_id="HO-1"), subject="HO-1")
    assert handoff_command("HO-1", unclaimed, "Cấp lại khai sinh?", False) == {
        "tenant": "binh-lu", "ticket_id": "HO-1", "question": "Cấp lại khai sinh?",
        "claimed": False}
    with pytest.raises(InvalidEvent, match="names ticket 'HO-2'"):
        handoff_command("HO-2", unclaimed, "", True)
    with pytest.raises(InvalidEvent, match="names ticket ''"):
        handoff_command("", unclaimed, "", True)
