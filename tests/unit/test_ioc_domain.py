"""The IOC's pure domain: detection contract, every rule type, folding, silences,
hysteresis, lifecycle, escalation timing, device health, movement, MTTA/MTTR."""
import datetime as dt

import bson
import pytest
from bson.codec_options import CodecOptions

from services.common.errors import FailedPrecondition, InvalidArgument
from services.iocevents import alerts as al
from services.iocevents.model import Registry, WatchlistEntry, check_against, parse_detection
from services.iocevents.rules import CommuneConfig, Evaluator, parse_rule

T0 = dt.datetime(2026, 11, 23, 3, 0, tzinfo=dt.UTC)  # 10:00 in Bình Lư
NIGHT = dt.datetime(2026, 11, 23, 16, 30, tzinfo=dt.UTC)  # 23:30 local
TENANT = "binh-lu"

REGISTRY = Registry.model_validate({
    "locations": [
        {"code": "ubnd", "name": "Trụ sở UBND xã", "village": "Tân Bình",
         "latitude": 22.33, "longitude": 103.6},
        {"code": "cho", "name": "Chợ Bình Lư", "village": "Hưng Bình",
         "latitude": 22.34, "longitude": 103.61},
        {"code": "trai-na-da", "name": "Trại chăn nuôi Nà Đa", "village": "Nà Đa",
         "latitude": 22.35, "longitude": 103.62}],
    "cameras": [
        {"code": "cam-ubnd-1", "location": "ubnd", "kind": "anpr",
         "capabilities": ["plate_read", "vehicle", "face_match", "traffic_violation"]},
        {"code": "cam-cho-1", "location": "cho", "kind": "fixed",
         "capabilities": ["plate_read", "vehicle", "abnormal_behaviour"]},
        {"code": "cam-trai-1", "location": "trai-na-da", "kind": "barn",
         "capabilities": ["vehicle", "abnormal_behaviour"], "expected_interval_s": 60}],
    "sensors": [
        {"code": "temp-na-da-1", "location": "trai-na-da", "kind": "temperature", "unit": "Cel",
         "thresholds": {"high": 35, "hysteresis": 2}, "expected_interval_s": 120}],
})
WATCHLIST = (
    WatchlistEntry(id="wl-plate-1", kind="plate", value="25A-123.45", reason="stolen vehicle",
                   legal_basis="Decree 13/2023 art. 17", approved_by="truong-cong-an",
                   expires_at=T0 + dt.timedelta(days=30)),
    WatchlistEntry(id="wl-person-1", kind="person", value="enrol-7781",
                   reason="missing person", legal_basis="family request, Decree 13/2023",
                   approved_by="truong-cong-an", expires_at=T0 - dt.timedelta(days=1)),
)


def detection(n=1, **fields):
    raw = {"id": f"d-{n}", "tenant": TENANT, "deviceId": "cam-ubnd-1",
           "time": T0.isoformat(), "kind": "vehicle", "confidence": 0.9, **fields}
    return parse_detection(raw)


def config(*rules) -> CommuneConfig:
    return CommuneConfig(TENANT, REGISTRY, tuple(parse_rule(r, REGISTRY) for r in rules),
                         WATCHLIST)


def run(rules, detections, book=None, silences=(), now=T0):
    """Evaluate detections through a fresh (or given) evaluator and book."""
    cfg, evaluator, book = config(*rules), Evaluator(), book or al.AlertBook()
    for d in detections:
        for signal in evaluator.evaluate(d, check_against(d, REGISTRY, now), cfg):
            book.apply(signal, now, silences)
    return book


# --- the detection contract ---

@pytest.mark.parametrize("fields, at_fault", [
    ({"confidence": 1.5}, "confidence"),
    ({"kind": "teleport"}, "kind"),
    ({"kind": "plate_read"}, "(input)"),
    ({"kind": "face_match"}, "(input)"),
    ({"deviceId": "temp-na-da-1", "kind": "sensor_reading"}, "(input)"),
    ({"box": {"left": 0.1, "top": 0.2, "right": 1.3, "bottom": 0.5}}, "box.right"),
    ({"faceImage": "base64..."}, "faceImage"),
])
def test_bad_detections_are_refused_naming_the_field(fields, at_fault):
    with pytest.raises(InvalidArgument) as error:
        detection(**fields)
    assert at_fault in error.value.fields


def test_proto_enum_names_and_plates_parse():
    d = detection(kind="DETECTION_KIND_PLATE_READ", plate={"text": "25A-123.45"})
    assert d.kind == "plate_read" and d.plate.country == "VN"


@pytest.mark.parametrize("country, parsed", [("", "VN"), (None, "VN"), ("LA", "LA")])
def test_a_plate_without_a_country_is_vietnamese_as_the_proto_says(country, parsed):
    """proto3 sends an unset country as "" (commune.v1.Plate: VN when empty)."""
    d = detection(kind="plate_read", plate={"text": "25A-123.45", "country": country})
    assert d.plate.country == parsed


@pytest.mark.parametrize("fields, at_fault", [
    ({"deviceId": "cam-nowhere"}, "deviceId"),
    ({"time": (T0 + dt.timedelta(hours=1)).isoformat()}, "time"),
    ({"time": (T0 - dt.timedelta(days=3)).isoformat()}, "time"),
    ({"kind": "abnormal_behaviour"}, "kind"),
    ({"deviceId": "temp-na-da-1", "kind": "sensor_reading", "value": 30, "unit": "F"}, "unit"),
    ({"deviceId": "temp-na-da-1", "kind": "vehicle"}, "kind"),
])
def test_detections_implausible_for_their_device_are_refused(fields, at_fault):
    with pytest.raises(InvalidArgument) as error:
        check_against(detection(**fields), REGISTRY, T0)
    assert at_fault in error.value.fields


def test_registry_refuses_devices_at_unknown_places():
    with pytest.raises(ValueError, match="unknown locations"):
        Registry.model_validate({"cameras": [{"code": "c", "location": "nowhere",
                                              "kind": "fixed", "capabilities": ["vehicle"]}]})


# --- rules as data ---

@pytest.mark.parametrize("rule, at_fault", [
    ({"type": "threshold", "id": "r1", "name": "x", "min_confidence": 2}, "threshold.name"),
    ({"type": "sensor", "id": "r1", "name": "Barn heat", "kinds": ["vehicle"],
      "sensor_kind": "temperature"}, "sensor"),
    ({"type": "rate", "id": "r1", "name": "Busy gate", "count": 1, "minutes": 5},
     "rate.count"),
    ({"type": "zone_time", "id": "r1", "name": "Barn at night", "zones": [],
      "start": "19:00", "end": "05:00"}, "zone_time.zones"),
    ({"type": "lottery", "id": "r1", "name": "nope"}, "(input)"),
])
def test_rules_that_do_not_validate_are_refused(rule, at_fault):
    with pytest.raises(InvalidArgument) as error:
        parse_rule(rule, REGISTRY)
    assert any(k.startswith(at_fault) for k in error.value.fields), error.value.fields


def test_rule_at_unknown_location_is_refused():
    with pytest.raises(InvalidArgument, match="unknown locations: moon"):
        parse_rule({"type": "threshold", "id": "r1", "name": "Anything",
                    "locations": ["moon"]}, REGISTRY)


# --- each rule type ---

def test_threshold_rule_fires_only_above_confidence_and_for_its_classes():
    rule = {"type": "threshold", "id": "violations", "name": "Traffic violation",
            "kinds": ["traffic_violation"], "min_confidence": 0.8,
            "object_classes": ["motorbike"]}
    book = run([rule], [detection(1, kind="traffic_violation", objectClass="motorbike"),
                        detection(2, kind="traffic_violation", objectClass="motorbike",
                                  confidence=0.5),
                        detection(3, kind="traffic_violation", objectClass="truck"),
                        detection(4, kind="vehicle", objectClass="motorbike")])
    [alert] = book.live()
    assert (alert.rule_id, alert.subject, alert.count, alert.detections) == \
        ("violations", "ubnd", 1, ["d-1"])


def test_watchlist_rule_matches_plates_however_written_and_skips_expired_entries():
    rule = {"type": "watchlist", "id": "watch", "name": "Watchlist", "severity": "high"}
    book = run([rule], [detection(1, kind="plate_read", plate={"text": "25a 12345"}),
                        detection(2, kind="plate_read", plate={"text": "30B-999.99"}),
                        detection(3, kind="face_match", watchlistId="enrol-7781")])
    [alert] = book.live()
    assert (alert.subject, alert.severity, alert.count) == ("wl-plate-1", "high", 1)


def test_zone_time_rule_fires_at_night_in_its_zone_only():
    rule = {"type": "zone_time", "id": "barn-night", "name": "Movement at the barn at night",
            "zones": ["barn"], "start": "19:00", "end": "05:00", "severity": "high"}
    night = dict(deviceId="cam-trai-1", zone="barn", time=NIGHT.isoformat())
    book = run([rule], [detection(1, **night),
                        detection(2, **{**night, "zone": "yard"}),
                        detection(3, **{**night, "time": T0.isoformat()})], now=NIGHT)
    [alert] = book.live()
    assert (alert.subject, alert.detections) == ("trai-na-da/barn", ["d-1"])


def test_rate_rule_fires_from_the_nth_detection_within_the_window():
    rule = {"type": "rate", "id": "crowd", "name": "Crowding", "kinds": ["abnormal_behaviour"],
            "count": 3, "minutes": 10}
    at = [T0 - dt.timedelta(minutes=m) for m in (30, 8, 4, 0)]
    book = run([rule], [detection(i, deviceId="cam-cho-1", kind="abnormal_behaviour",
                                  time=t.isoformat()) for i, t in enumerate(at)])
    [alert] = book.live()
    assert (alert.subject, alert.count, alert.detections) == ("cho", 1, ["d-3"])


def test_rate_rule_holds_only_its_count_of_times_and_follows_an_edited_count():
    rule = {"type": "rate", "id": "crowd", "name": "Crowding", "kinds": ["abnormal_behaviour"],
            "count": 3, "minutes": 10}
    evaluator = Evaluator()

    def fired(rule, minutes_ago):
        cfg = config(rule)
        found = []
        for i, m in enumerate(minutes_ago):
            d = detection(i, deviceId="cam-cho-1", kind="abnormal_behaviour",
                          time=(T0 - dt.timedelta(minutes=m)).isoformat())
            found += evaluator.evaluate(d, check_against(d, REGISTRY, T0), cfg)
        return found

    # A busy hour, one every 30 s: every detection from the third on fires.
    assert len(fired(rule, [60 - i / 2 for i in range(120)])) == 118
    assert [len(times) for times in evaluator._rates.values()] == [3]
    # Raised to 5 in 10 minutes: with the last three kept, a fourth does not fire, a fifth does.
    assert fired({**rule, "count": 5}, [0.4]) == []
    assert len(fired({**rule, "count": 5}, [0.3])) == 1


def test_rule_windows_saved_and_restored_carry_on_where_they_were():
    rate = {"type": "rate", "id": "crowd", "name": "Crowding", "kinds": ["abnormal_behaviour"],
            "count": 3, "minutes": 10}
    movement = {"type": "movement", "id": "track", "name": "Watched plate moving",
                "min_locations": 2, "minutes": 60}
    cfg, before = config(rate, movement), Evaluator()
    seen = [detection(1, deviceId="cam-cho-1", kind="abnormal_behaviour"),
            detection(2, deviceId="cam-cho-1", kind="abnormal_behaviour"),
            detection(3, kind="plate_read", plate={"text": "25A-123.45"})]
    for d in seen:
        assert before.evaluate(d, check_against(d, REGISTRY, T0), cfg) == []
    after = Evaluator()  # restored from the document as the database gives it back
    after.restore(bson.decode(bson.encode(before.windows()), CodecOptions(tz_aware=True)))
    more = [detection(4, deviceId="cam-cho-1", kind="abnormal_behaviour"),
            detection(5, deviceId="cam-cho-1", kind="plate_read", plate={"text": "25A-123.45"})]
    fired = [s for d in more for s in after.evaluate(d, check_against(d, REGISTRY, T0), cfg)]
    assert [(s.rule_id, s.subject) for s in fired] == [("crowd", "cho"),
                                                       ("track", "25A12345")]


def test_movement_rule_folds_one_plate_at_several_places_into_one_alert_with_its_track():
    rule = {"type": "movement", "id": "track", "name": "Watched plate moving",
            "min_locations": 2, "minutes": 60}
    plate = {"kind": "plate_read", "plate": {"text": "25A-123.45"}}
    sightings = [("cam-ubnd-1", 20), ("cam-cho-1", 10), ("cam-ubnd-1", 0)]
    book = run([rule], [detection(i, deviceId=cam, time=(T0 - dt.timedelta(minutes=m))
                                  .isoformat(), **plate)
                        for i, (cam, m) in enumerate(sightings)])
    [alert] = book.live()
    assert alert.subject == "25A12345" and alert.count == 2
    assert [p["location"] for p in alert.track] == ["ubnd", "cho", "ubnd"]


MOVEMENT = {"type": "movement", "id": "track", "name": "Watched plate moving",
            "min_locations": 2, "minutes": 60}


EARLIER = T0 - dt.timedelta(minutes=30)


def plate_seen(n, camera, minutes, ms=0):
    return detection(n, deviceId=camera, kind="plate_read", plate={"text": "25A-123.45"},
                     time=(EARLIER + dt.timedelta(minutes=minutes, microseconds=ms))
                     .isoformat())


def test_a_movement_track_has_one_point_per_sighting_in_time_order_and_every_place():
    """A plate seen at two places, back and forth, one read arriving late and one twice
    (a gateway's retry, another id): each sighting once, in time order, both places."""
    seen = [plate_seen(1, "cam-ubnd-1", 0), plate_seen(2, "cam-cho-1", 5),
            plate_seen(3, "cam-cho-1", 6), plate_seen(4, "cam-ubnd-1", 8),
            plate_seen(5, "cam-cho-1", 10), plate_seen(6, "cam-ubnd-1", 7),
            plate_seen(7, "cam-cho-1", 10)]
    [alert] = run([MOVEMENT], seen).live()
    assert [(p["location"], p["at"]) for p in alert.track] == [
        ("ubnd", EARLIER), *((place, EARLIER + dt.timedelta(minutes=m)) for place, m in
                             [("cho", 5), ("cho", 6), ("ubnd", 7), ("ubnd", 8), ("cho", 10)])]
    assert alert.locations == ["ubnd", "cho"]


def test_a_movement_track_carries_on_across_a_restart_without_repeating_a_point():
    """The rule's memory and the alert as the database gives them back (milliseconds,
    tz-aware): a sighting read again after the restart is not a new point."""
    cfg, before, book = config(MOVEMENT), Evaluator(), al.AlertBook()
    for d in (plate_seen(1, "cam-ubnd-1", 0, ms=123456), plate_seen(2, "cam-cho-1", 5)):
        for signal in before.evaluate(d, check_against(d, REGISTRY, T0), cfg):
            book.apply(signal, T0)
    def stored(document):
        return bson.decode(bson.encode(document), CodecOptions(tz_aware=True))
    after = Evaluator()
    after.restore(stored(before.windows()))
    book = al.AlertBook([al.Alert.from_document(stored(a.document())) for a in book.live()])
    for d in (plate_seen(1, "cam-ubnd-1", 0, ms=123456), plate_seen(3, "cam-ubnd-1", 12)):
        for signal in after.evaluate(d, check_against(d, REGISTRY, T0), cfg):
            book.apply(signal, T0)
    [alert] = book.live()
    assert [(p["location"], p["at"] - EARLIER) for p in alert.track] == [
        ("ubnd", dt.timedelta(microseconds=123000)), ("cho", dt.timedelta(minutes=5)),
        ("ubnd", dt.timedelta(minutes=12))]


def test_a_long_stay_at_one_place_keeps_the_other_place_in_the_rules_memory():
    """Sightings kept per subject are bounded; what goes first is an older sighting of a
    place seen since, so the place seen once still counts."""
    cfg, evaluator = config(MOVEMENT), Evaluator()
    reads = [plate_seen(0, "cam-cho-1", 0)] + [
        plate_seen(n, "cam-ubnd-1", 0, ms=n * 1000) for n in range(1, 80)]
    signals = [s for d in reads for s in evaluator.evaluate(d, check_against(d, REGISTRY, T0),
                                                            cfg)]
    assert len(signals[-1].track) == 50
    assert signals[-1].track[0][0] == "cho"


def test_sightings_of_any_plate_are_forgotten_once_past_the_window():
    rule = {"type": "movement", "id": "any", "name": "Any plate moving",
            "watchlisted_only": False, "minutes": 60}
    cfg, evaluator = config(rule), Evaluator()
    for n, text in enumerate(["29A-111.11", "29A-222.22"]):
        d = detection(n, kind="plate_read", plate={"text": text},
                      time=(T0 - dt.timedelta(minutes=30 - 30 * n)).isoformat())
        evaluator.evaluate(d, check_against(d, REGISTRY, T0), cfg)
    # 29A-111.11 was read at T0 - 30 min: at T0 + 30 min it is exactly 60 minutes old.
    evaluator.forget(T0 + dt.timedelta(minutes=30))
    assert {key[2] for key in evaluator._sightings} == {"29A11111", "29A22222"}
    evaluator.forget(T0 + dt.timedelta(minutes=31))
    assert {key[2] for key in evaluator._sightings} == {"29A22222"}


# --- sensors and hysteresis ---

def test_sensor_hovering_at_its_limit_raises_once_and_clears_only_inside_the_band():
    rule = {"type": "sensor", "id": "barn-heat", "name": "Barn too hot",
            "sensor_kind": "temperature", "severity": "high"}
    readings = [34.0, 35.2, 34.9, 35.1, 33.5, 35.0, 32.9]
    cfg, evaluator, book = config(rule), Evaluator(), al.AlertBook()
    opened = []
    for i, value in enumerate(readings):
        d = detection(i, deviceId="temp-na-da-1", kind="sensor_reading", value=value,
                      unit="Cel")
        for signal in evaluator.evaluate(d, check_against(d, REGISTRY, T0), cfg):
            book.apply(signal, T0)
        opened.append(len(book.live()))
    # 34.9 and 33.5 sit inside the hysteresis band: no flapping; 32.9 clears.
    assert opened == [0, 1, 1, 1, 1, 1, 0]
    resolved = [c.alert for c in book.take_changes() if c.alert.status == al.RESOLVED]
    assert [(a.count, a.resolved_by) for a in resolved] == [(3, al.SYSTEM)]


# --- folding ---

THRESHOLD = {"type": "threshold", "id": "any-vehicle", "name": "Vehicle", "fold_minutes": 15}


def test_repeats_fold_into_one_alert_counting_first_and_last_seen():
    times = [T0 + dt.timedelta(minutes=m) for m in (0, 5, 12)]
    book = run([THRESHOLD], [detection(i, time=t.isoformat()) for i, t in enumerate(times)],
               now=times[-1])
    [alert] = book.live()
    assert (alert.count, alert.first_seen, alert.last_seen) == (3, times[0], times[-1])
    [change] = book.take_changes()
    assert change.events == [al.RAISED]  # raised and folded in one batch: one event


def test_a_repeat_after_the_fold_window_opens_a_new_alert():
    late = T0 + dt.timedelta(minutes=20)
    book = run([THRESHOLD], [detection(1), detection(2, time=late.isoformat())], now=late)
    changes = book.take_changes()
    assert sorted(c.alert.status for c in changes) == [al.OPEN, al.RESOLVED]
    assert [c.alert.count for c in changes if c.alert.status == al.OPEN] == [1]


def test_folding_after_the_first_take_announces_an_update():
    book = run([THRESHOLD], [detection(1)])
    book.take_changes()
    run([THRESHOLD], [detection(2)], book=book)
    [change] = book.take_changes()
    assert change.events == [al.UPDATED] and change.alert.count == 2


# --- silences ---

def silence(**fields):
    return al.Silence(**{"id": "maint-1", "starts_at": T0 - dt.timedelta(hours=1),
                         "ends_at": T0 + dt.timedelta(hours=1), "reason": "camera cleaning",
                         "locations": {"ubnd"}, **fields})


def test_a_silence_suppresses_with_a_record_and_no_event():
    book = run([THRESHOLD], [detection(1), detection(2)], silences=[silence()])
    [change] = book.take_changes()
    assert (change.alert.status, change.alert.silenced_by, change.alert.count) == \
        (al.SUPPRESSED, "maint-1", 2)
    assert change.events == []


def test_when_the_silence_ends_the_condition_alerts_again():
    book = run([THRESHOLD], [detection(1)], silences=[silence()])
    later = T0 + dt.timedelta(hours=2)
    run([THRESHOLD], [detection(2, time=later.isoformat())], book=book, now=later,
        silences=[silence()])
    statuses = sorted((c.alert.status, tuple(c.events)) for c in book.take_changes())
    assert statuses == [(al.OPEN, (al.RAISED,)), (al.RESOLVED, ())]


def test_a_silence_ended_early_keeps_its_record_and_silences_nothing_after():
    early = T0 + dt.timedelta(minutes=10)
    ended = silence().ended(early)
    assert (ended.id, ended.starts_at, ended.ends_at) == ("maint-1", silence().starts_at, early)
    book = run([THRESHOLD], [detection(1)], silences=[silence()])
    later = early + dt.timedelta(minutes=1)
    run([THRESHOLD], [detection(2, time=later.isoformat())], book=book, now=later,
        silences=[ended])
    assert [(a.status, a.silenced_by) for a in book.live()] == [(al.OPEN, "")]


@pytest.mark.parametrize("at", [T0 - dt.timedelta(hours=2), T0 + dt.timedelta(hours=1)])
def test_only_a_silence_in_force_can_end(at):
    with pytest.raises(FailedPrecondition, match="'maint-1' is not in force"):
        silence().ended(at)


def test_a_silence_must_name_what_it_silences():
    with pytest.raises(ValueError, match="names rules, locations or devices"):
        silence(locations=set())


# --- lifecycle and escalation ---

def test_lifecycle_records_who_and_notes_and_refuses_wrong_moves():
    book = run([THRESHOLD], [detection(1)])
    [alert] = book.live()
    later = T0 + dt.timedelta(minutes=3)
    book.acknowledge(alert.id, "op-lan", "on my way", later)
    with pytest.raises(FailedPrecondition):
        book.acknowledge(alert.id, "op-minh", "", later)
    book.resolve(alert.id, "op-lan", "gate closed", later + dt.timedelta(minutes=7))
    with pytest.raises(FailedPrecondition):
        book.resolve(alert.id, "op-lan", "", later)
    assert [(h["action"], h["by"]) for h in alert.history] == \
        [("opened", "system"), ("acknowledged", "op-lan"), ("resolved", "op-lan")]
    assert book.live() == []
    times = al.response_times([alert.document()])
    assert (times["mtta_seconds"], times["mttr_seconds"]) == (180.0, 600.0)


@pytest.mark.parametrize("severity, minutes_to_first", [("critical", 5), ("high", 15),
                                                        ("medium", 60), ("low", 240)])
def test_escalation_happens_at_the_severity_limit_and_not_before(severity, minutes_to_first):
    book = run([{**THRESHOLD, "severity": severity}], [detection(1)])
    book.take_changes()
    limit = dt.timedelta(minutes=minutes_to_first)
    assert book.escalate_due(T0 + limit - dt.timedelta(seconds=1)) == []
    [alert] = book.escalate_due(T0 + limit)
    assert alert.escalation_level == 1
    assert book.escalate_due(T0 + limit + dt.timedelta(seconds=30)) == []
    assert [a.escalation_level for a in book.escalate_due(T0 + 2 * limit)] == [2]
    assert {tuple(c.events) for c in book.take_changes()} == {(al.ESCALATED,)}


def test_acknowledged_alerts_do_not_escalate():
    book = run([{**THRESHOLD, "severity": "critical"}], [detection(1)])
    [alert] = book.live()
    book.acknowledge(alert.id, "op-lan", "", T0 + dt.timedelta(minutes=1))
    assert book.escalate_due(T0 + dt.timedelta(hours=1)) == []


def test_false_positive_marks_are_counted_per_camera_and_kind():
    book = run([THRESHOLD], [detection(1)])
    [alert] = book.live()
    book.resolve(alert.id, "op-lan", "a shadow", T0, false_positive=True)
    other = run([THRESHOLD], [detection(2)])
    counts = al.false_positive_counts([alert.document(), other.live()[0].document()])
    assert counts == [{"device": "cam-ubnd-1", "kind": "vehicle", "count": 1}]


# --- device health and the hub ---

def test_a_silent_device_raises_a_health_alert_that_clears_when_heard_again():
    book, heard = al.AlertBook(), {"cam-trai-1": T0, "temp-na-da-1": T0}
    later = T0 + dt.timedelta(seconds=90)  # camera expects 60 s, sensor 120 s
    for signal in al.silent_devices(TENANT, REGISTRY, heard, later):
        book.apply(signal, later)
    assert [(a.rule_id, a.subject) for a in book.live()] == [("device-health", "cam-trai-1")]
    heard["cam-trai-1"] = later
    for signal in al.silent_devices(TENANT, REGISTRY, heard, later):
        book.apply(signal, later)
    assert book.live() == []


def test_an_overdue_task_becomes_one_operator_alert():
    book = al.AlertBook()
    for _ in range(2):  # a duplicate event folds
        book.apply(al.task_overdue_signal(TENANT, "t-1", "KH104-07", "Số hóa hồ sơ", T0), T0)
    [alert] = book.live()
    assert (alert.rule_id, alert.subject, alert.count) == ("task-overdue", "t-1", 2)


def test_an_unclaimed_handoff_is_one_alert_that_its_claim_resolves():
    book = al.AlertBook()
    for _ in range(2):  # a duplicate event folds
        book.apply(al.handoff_unclaimed_signal(TENANT, "HO-1", "Cấp lại khai sinh?", False,
                                               T0), T0)
    [alert] = book.live()
    assert (alert.rule_id, alert.subject, alert.count) == ("handoff-unclaimed", "HO-1", 2)
    assert "Cấp lại khai sinh?" in alert.title
    later = T0 + dt.timedelta(minutes=45)
    book.apply(al.handoff_unclaimed_signal(TENANT, "HO-1", "", True, later), later)
    assert book.live() == []
    with pytest.raises(InvalidArgument, match="ticket_id"):
        al.handoff_unclaimed_signal(TENANT, "", "?", False, T0)


def kpi(status, now=T0, period="Quý I/2026"):
    return al.kpi_missed_signal(TENANT, "online-dossiers", TENANT, period,
                                "Tỷ lệ hồ sơ trực tuyến", status, now)


def test_a_missed_kpi_is_one_alert_per_period_that_a_recovery_resolves():
    book = al.AlertBook()
    for _ in range(2):  # redelivered, or a revision approved still missed: folds
        book.apply(kpi("missed"), T0)
    book.apply(kpi("missed", period="Quý II/2026"), T0)
    q1, q2 = sorted(book.live(), key=lambda a: a.subject)
    assert (q1.rule_id, q1.subject, q1.count) == (
        "kpi-missed", "online-dossiers|binh-lu|Quý I/2026", 2)
    assert "không đạt mục tiêu tại binh-lu, Quý I/2026" in q1.title and q2.count == 1
    later = T0 + dt.timedelta(days=3)
    book.apply(kpi("at_risk", now=later), later)
    assert book.live() == [q2]
    assert (q1.status, q1.resolved_by, q1.history[-1]["note"]) == (
        al.RESOLVED, "system", "Chỉ tiêu Tỷ lệ hồ sơ trực tuyến tại binh-lu, Quý I/2026 "
                               "không còn ở mức không đạt: at_risk")


@pytest.mark.parametrize("fields, complaint", [
    ({"status": "sort of"}, "status is one of"),
    ({"indicator": ""}, "are required text"),
    ({"unit": ["binh-lu"]}, "are required text"),
])
def test_a_kpi_signal_of_the_wrong_shape_is_refused(fields, complaint):
    given = {"indicator": "online-dossiers", "unit": TENANT, "period": "Quý I/2026",
             "name": "Tỷ lệ", "status": "missed", **fields}
    with pytest.raises(InvalidArgument, match=complaint):
        al.kpi_missed_signal(TENANT, now=T0, **given)


def test_alerts_round_trip_through_their_documents():
    book = run([THRESHOLD], [detection(1)])
    [alert] = book.live()
    again = al.Alert.from_document(alert.document())
    assert again == alert and al.AlertBook([again]).live_for(alert.key) is again
