"""The IOC pipeline on the real broker and database, driven batch by batch in this
process: journal, alert documents, events, dead letters, crash recovery, commands."""
import datetime as dt
import json
import uuid

import kombu
import pymongo
import pytest

from services.common.batch_consumer import Incoming
from services.common.publisher import Publisher
from services.common.topology import events_exchange
from services.iocevents import demo
from services.iocevents.alerts import ACKNOWLEDGED, DEVICE_HEALTH_RULE, RESOLVED
from services.iocevents.broker import (
    RECEIVED_HEADER,
    commands_queue,
    detections_queue,
    ingest_exchange,
    queues,
)
from services.iocevents.pipeline import Pipeline
from services.iocevents.settings import IocSettings
from services.iocevents.store import IocStore, journal_name, unpack
from tests.helpers import Broker, decoded
from tests.proxy import TcpProxy

pytestmark = pytest.mark.integration
TENANT = "binh-lu"
NOW = dt.datetime.now(dt.UTC)


@pytest.fixture
def ioc(settings, mongo):
    """A fresh IOC database of its own with Bình Lư's demo loaded, the pipeline's queues,
    and a capture of its alert events."""
    ioc_settings = IocSettings(amqp_uri=settings.amqp_uri, mongo_uri=settings.mongo_uri,
                               namespace=settings.namespace)
    db = mongo[f"{settings.namespace}_iocevents_{uuid.uuid4().hex[:6]}"]
    store = IocStore(db)
    store.ensure_indexes()
    demo.load(store, NOW.date())
    publisher = Publisher(settings.amqp_uri, settings.namespace)
    publisher.declare(*queues(settings.namespace))
    broker = Broker(settings)
    events = broker.capture("iocevents", "ioc.#")
    yield ioc_settings, store, publisher, broker, events
    broker.close()
    publisher.close()
    mongo.drop_database(db.name)
    mongo.drop_database(store.journal_db.name)
    with kombu.Connection(settings.amqp_uri) as connection:
        channel = connection.channel()
        for queue in queues(settings.namespace):
            channel.queue_delete(queue.name)
            channel.queue_delete(f"{queue.name}.dead-letter")
        channel.exchange_delete(events_exchange(settings.namespace, "iocevents").name)


def plate_read(n, device="cam-cong-an-xa-1", plate="25A-168.68", **fields):
    return {"id": f"det-{n}", "tenant": TENANT, "deviceId": device, "time": NOW.isoformat(),
            "kind": "plate_read", "confidence": 0.93, "plate": {"text": plate}, **fields}


def handled(pipeline: Pipeline, batch: list[Incoming], flush: bool = True) -> None:
    """One batch through the pipeline, and the alert writer's flush (its thread's work)."""
    pipeline.handle(batch)
    if flush:
        pipeline.writer.flush()


def message(*detections, received=NOW, routed_for=TENANT) -> Incoming:
    return Incoming(f"detection.{routed_for}",
                    json.dumps({"detections": list(detections)}).encode(),
                    {RECEIVED_HEADER: received.timestamp()})


def command(action, **fields) -> Incoming:
    return Incoming(f"command.{action}", json.dumps(
        {"action": action, "tenant": TENANT, **fields}).encode(), {})


def events_of(broker, queue, count):
    return [decoded(broker.take(queue)) for _ in range(count)]


def test_a_batch_is_journaled_folded_announced_and_stored(ioc):
    settings, store, publisher, broker, events = ioc
    # The journal is per day: the pipeline's clock is the test's, or midnight splits them.
    pipeline = Pipeline(store, publisher, settings, clock=lambda: NOW)
    pipeline.recover()
    handled(pipeline, [message(plate_read(1), plate_read(2)),
                     message(plate_read(3, device="cam-cau-na-da-1"))])
    entry = store.journal_entry([journal_name(NOW.date())], 1)
    assert [row["id"] for row in unpack(entry["detections"])] == ["det-1", "det-2", "det-3"]
    alerts = {a["rule_id"]: a for a in store.alerts(TENANT)}
    assert alerts["watchlist"]["count"] == 3 and alerts["watchlist"]["subject"] == "wl-xe-001"
    assert [p["location"] for p in alerts["watchlist-movement"]["track"]] == \
        ["cong-an-xa", "cau-na-da"]
    raised = events_of(broker, events, 2)
    assert sorted(e["type"] for e in raised) == ["ioc.alert_raised"] * 2
    assert {e["data"]["alert"]["ruleId"] for e in raised} == {"watchlist", "watchlist-movement"}


def test_invalid_detections_are_dead_lettered_with_their_reason_and_the_rest_handled(ioc):
    settings, store, publisher, broker, events = ioc
    pipeline = Pipeline(store, publisher, settings)
    pipeline.recover()
    dead = f"{detections_queue(settings.namespace).name}.dead-letter"
    handled(pipeline, [message(plate_read(1, confidence=1.7), plate_read(2, device="cam-x"),
                               plate_read(5, tenant=["binh-lu"]), plate_read(3)),
                       message(plate_read(4, tenant="xa-khong-co"), routed_for="xa-khong-co"),
                       Incoming("detection.binh-lu", b"{not json", {})])
    reasons = sorted(broker.take(dead).headers["x-dead-letter-reason"] for _ in range(5))
    assert "body is not JSON" in reasons[0]
    assert "confidence" in reasons[1] and "tenant" in reasons[2]
    assert "unknown commune 'xa-khong-co'" in reasons[3]
    assert "unknown device 'cam-x'" in reasons[4]
    [alert] = [a for a in store.alerts(TENANT) if a["rule_id"] == "watchlist"]
    assert alert["detections"] == ["det-3"]


def test_a_detection_of_another_commune_than_its_routing_key_is_dead_lettered(ioc):
    """A gateway may publish for its own commune only (detection.<commune>): a body that
    names another commune is refused with the reason, never folded into its alerts."""
    settings, store, publisher, broker, events = ioc
    pipeline = Pipeline(store, publisher, settings, clock=lambda: NOW)
    pipeline.recover()
    dead = f"{detections_queue(settings.namespace).name}.dead-letter"
    handled(pipeline, [message(plate_read(1), plate_read(2, device="cam-cau-na-da-1"),
                               routed_for="lung-phinh"),
                       Incoming("detection", json.dumps(plate_read(3)).encode(), {}),
                       message(plate_read(4))])
    parked = [broker.take(dead) for _ in range(3)]
    reasons = sorted(p.headers["x-dead-letter-reason"] for p in parked)
    assert reasons[:2] == ["detection of commune 'binh-lu' published for commune "
                           "'lung-phinh' (routing key 'detection.lung-phinh')"] * 2
    assert reasons[2] == "routing key 'detection' names no commune (detection.<commune>)"
    assert sorted(json.loads(p.body)["id"] for p in parked) == ["det-1", "det-2", "det-3"]
    [alert] = [a for a in store.alerts(TENANT) if a["rule_id"] == "watchlist"]
    assert alert["detections"] == ["det-4"]
    assert [row["id"] for row in unpack(store.journal_entry(
        [journal_name(NOW.date())], 1)["detections"])] == ["det-4"]


def test_after_a_crash_the_journal_is_replayed_and_redelivered_detections_count_once(ioc):
    settings, store, publisher, broker, events = ioc
    first = Pipeline(store, publisher, settings)
    first.recover()
    batch = [message(plate_read(1), plate_read(2))]
    handled(first, batch, flush=False)  # journaled and announced, alert documents not written
    assert store.alerts(TENANT) == []
    # The process dies before acking: the broker redelivers the same batch to the next.
    second = Pipeline(store, publisher, settings)
    second.recover()
    handled(second, batch)
    [alert] = [a for a in store.alerts(TENANT) if a["rule_id"] == "watchlist"]
    assert alert["count"] == 2


def test_a_batch_whose_journal_write_failed_comes_back_whole_and_folds_once(ioc, settings):
    """The database cut while a batch is committed: the broker redelivers the batch, and
    every detection of it is journaled once and folded once (its ids were remembered as
    seen and its folds kept before, so the redelivery was dropped and counted twice)."""
    ioc_settings, store, publisher, broker, events = ioc
    address = pymongo.uri_parser.parse_uri(settings.mongo_uri)["nodelist"][0]
    proxy = TcpProxy(*address).start()
    client = pymongo.MongoClient(f"mongodb://127.0.0.1:{proxy.port}/", retryWrites=False,
                                 tz_aware=True, serverSelectionTimeoutMS=2000)
    try:
        pipeline = Pipeline(IocStore(client[store.db.name]), publisher, ioc_settings,
                            clock=lambda: NOW)
        pipeline.recover()
        handled(pipeline, [message(plate_read(1), plate_read(2))])
        cut_batch = [message(plate_read(3), plate_read(4), plate_read(5))]
        proxy.cut()
        with pytest.raises(pymongo.errors.PyMongoError):
            pipeline.handle(cut_batch)
        proxy.restore()
        handled(pipeline, cut_batch)  # the broker's redelivery
        handled(pipeline, [message(plate_read(6))])
    finally:
        client.close()
        proxy.close()
    journaled = [row["id"] for seq in range(1, 10)
                 if (entry := store.journal_entry([journal_name(NOW.date())], seq))
                 for row in unpack(entry["detections"])]
    assert sorted(journaled) == [f"det-{n}" for n in range(1, 7)]
    [alert] = [a for a in store.alerts(TENANT) if a["rule_id"] == "watchlist"]
    assert alert["count"] == 6


def test_a_restart_keeps_the_rate_rules_window_from_the_last_sweep_and_the_journal(ioc):
    settings, store, publisher, broker, events = ioc
    crowd = [{"id": f"crowd-{n}", "tenant": TENANT, "deviceId": "cam-cho-binh-lu-2",
              "time": NOW.isoformat(), "kind": "abnormal_behaviour", "confidence": 0.7}
             for n in range(5)]  # the demo's crowding rule: 5 in 10 minutes
    first = Pipeline(store, publisher, settings)
    first.recover()
    handled(first, [message(*crowd[:3])])
    first.sweep(NOW)  # saves the windows: three seen
    handled(first, [message(crowd[3])])  # journaled after the save
    second = Pipeline(store, publisher, settings)
    second.recover()
    handled(second, [message(crowd[4])])
    [alert] = store.alerts(TENANT, rule_id="crowding")
    assert alert["detections"] == ["crowd-4"]


def test_operator_commands_and_overdue_tasks_go_through_the_pipeline(ioc):
    settings, store, publisher, broker, events = ioc
    pipeline = Pipeline(store, publisher, settings)
    pipeline.recover()
    handled(pipeline, [message(plate_read(1))])
    alert = next(a for a in store.alerts(TENANT) if a["rule_id"] == "watchlist")

    handled(pipeline, [
        command("acknowledge", alert_id=alert["_id"], by="op-lan", note="đang xử lý"),
        command("task_overdue", task_id="t-9", code="KH104-09", title="Lắp đặt camera"),
        command("acknowledge", alert_id=alert["_id"], by="op-minh")])
    stored = store.alert(TENANT, alert["_id"])
    assert (stored["status"], stored["acknowledged_by"]) == (ACKNOWLEDGED, "op-lan")
    overdue = [a for a in store.alerts(TENANT) if a["rule_id"] == "task-overdue"]
    assert [a["subject"] for a in overdue] == ["t-9"]
    handled(pipeline, [command("false_positive", alert_id=alert["_id"], by="op-lan")])
    stored = store.alert(TENANT, alert["_id"])
    assert (stored["status"], stored["false_positive"]) == (RESOLVED, True)


def test_a_command_that_names_two_communes_or_two_actions_is_dead_lettered(ioc):
    settings, store, publisher, broker, events = ioc
    pipeline = Pipeline(store, publisher, settings)
    pipeline.recover()
    handled(pipeline, [message(plate_read(1))])
    alert = next(a for a in store.alerts(TENANT) if a["rule_id"] == "watchlist")
    dead = f"{commands_queue(settings.namespace).name}.dead-letter"
    handled(pipeline, [
        Incoming(
            "command.resolve", json.dumps({"action": "resolve", "tenant": "lung-phinh",
                                           "alert_id": alert["_id"], "by": "x"}).encode(), {}),
        Incoming("command.reload", json.dumps({"action": "resolve", "tenant": TENANT,
                                               "alert_id": alert["_id"], "by": "x"}).encode(),
                 {})])
    reasons = sorted(broker.take(dead).headers["x-dead-letter-reason"] for _ in range(2))
    assert "action 'resolve' sent as 'command.reload'" in reasons[0]
    assert f"alert '{alert['_id']}' is not of commune 'lung-phinh'" in reasons[1]
    assert store.alert(TENANT, alert["_id"])["status"] == "open"


def resolved_watchlist_alert(ioc, flush: bool) -> tuple[Pipeline, dict]:
    """A pipeline that raised a watchlist alert, then resolved it (the resolution written
    by the alert writer or, without `flush`, only journaled); and the alert as raised."""
    settings, store, publisher, *_ = ioc
    pipeline = Pipeline(store, publisher, settings, clock=lambda: NOW)
    pipeline.recover()
    handled(pipeline, [message(plate_read(1))])
    [alert] = store.alerts(TENANT, rule_id="watchlist")
    handled(pipeline, [command("resolve", alert_id=alert["_id"], by="op-lan")], flush=flush)
    return pipeline, alert


def test_a_resolved_alert_leaves_the_live_collection_and_is_still_read(ioc):
    settings, store, publisher, broker, events = ioc
    _, alert = resolved_watchlist_alert(ioc, flush=True)
    assert store.db.alerts.find_one({"_id": alert["_id"]}) is None
    assert store.alert(TENANT, alert["_id"])["status"] == RESOLVED
    assert [a["_id"] for a in store.alerts(TENANT, status=RESOLVED)] == [alert["_id"]]
    # A resolved alert an earlier version left among the live ones moves at start.
    store.db.alerts.insert_one({**alert, "_id": f"{TENANT}:left-over", "status": RESOLVED})
    Pipeline(store, publisher, settings, clock=lambda: NOW).recover()
    assert store.db.alerts.find_one({"_id": f"{TENANT}:left-over"}) is None
    assert store.alert(TENANT, f"{TENANT}:left-over")["status"] == RESOLVED


def test_a_move_cut_short_by_a_crash_reads_as_resolved_and_completes_at_restart(ioc):
    settings, store, publisher, broker, events = ioc
    pipeline, alert = resolved_watchlist_alert(ioc, flush=False)
    [resolved] = store.journal_entry([journal_name(NOW.date())], pipeline.seq)["alerts"]
    store.db.alerts_resolved.insert_one(resolved)  # the move's first step; then the crash
    assert store.alert(TENANT, alert["_id"])["status"] == RESOLVED
    assert [a["status"] for a in store.alerts(TENANT) if a["_id"] == alert["_id"]] == [RESOLVED]
    Pipeline(store, publisher, settings, clock=lambda: NOW).recover()  # replays the journal
    assert store.db.alerts.find_one({"_id": alert["_id"]}) is None
    assert [a["_id"] for a in store.alerts(TENANT, status=RESOLVED)] == [alert["_id"]]


def test_missed_kpis_fold_into_one_alert_that_a_recovery_resolves(ioc):
    settings, store, publisher, broker, events = ioc
    pipeline = Pipeline(store, publisher, settings)
    pipeline.recover()
    dead = f"{commands_queue(settings.namespace).name}.dead-letter"

    def kpi(status, **fields):
        return Incoming("command.kpi_target", json.dumps(
            {"action": "kpi_target", "tenant": TENANT, "indicator": "online-dossiers",
             "unit": TENANT, "period": "Quý I/2026", "name": "Tỷ lệ hồ sơ trực tuyến",
             "status": status, **fields}).encode(), {})
    handled(pipeline, [kpi("missed"), kpi("missed"), kpi("sort of"),
                       kpi("missed", tenant="xa-khong-co")])
    [alert] = store.alerts(TENANT, rule_id="kpi-missed")
    assert (alert["subject"], alert["count"]) == ("online-dossiers|binh-lu|Quý I/2026", 2)
    # A commune with no IOC has no operator to tell: its news is dropped, not dead-lettered.
    assert "status is one of" in broker.take(dead).headers["x-dead-letter-reason"]
    assert broker.message_count(dead) == 0
    [raised] = events_of(broker, events, 1)
    assert raised["type"] == "ioc.alert_raised"

    handled(pipeline, [kpi("met")])
    assert store.alert(TENANT, alert["_id"])["status"] == RESOLVED
    [resolved] = events_of(broker, events, 1)
    assert (resolved["type"], resolved["subject"]) == ("ioc.alert_resolved", alert["_id"])


def test_devices_are_judged_silent_as_of_how_far_into_the_stream_the_pipeline_is(ioc):
    settings, store, publisher, broker, events = ioc
    clock = [NOW]
    pipeline = Pipeline(store, publisher, settings, clock=lambda: clock[0])
    pipeline.recover()
    registry = store.registry(TENANT)
    cameras = {c.code for c in registry.cameras}  # silent after 5 minutes, sensors after 10
    later = NOW + dt.timedelta(minutes=30)

    def silent():
        pipeline.sweep(later)
        return {a.subject for a in pipeline.book.live() if a.rule_id == DEVICE_HEALTH_RULE}
    queue = detections_queue(settings.namespace)
    publisher.publish_raw(json.dumps([plate_read(2)]).encode(),
                          ingest_exchange(settings.namespace), f"detection.{TENANT}",
                          {RECEIVED_HEADER: NOW.timestamp()}, declare=[queue])
    handled(pipeline, [message(plate_read(1))])
    assert silent() == set()  # a backlog waits: the stream is at NOW
    broker.take(queue.name)
    clock[0] = NOW + dt.timedelta(minutes=8)
    handled(pipeline, [message(plate_read(3), received=clock[0])])
    assert silent() == cameras  # taken since the last sweep (more may be in hand): at NOW + 8
    sensors = {s.code for s in registry.sensors}
    clock[0] = NOW + dt.timedelta(minutes=11)
    unstamped = plate_read(4, time=clock[0].isoformat())  # from cam-cong-an-xa-1
    handled(pipeline, [Incoming("detection.binh-lu", json.dumps([unstamped]).encode(), {})])
    # A gateway's message without the platform's stamp: as far as its newest detection.
    assert silent() == (cameras - {"cam-cong-an-xa-1"}) | sensors
    assert silent() == cameras | sensors  # idle: the clock


def test_a_second_operator_move_of_the_same_kind_is_refused(ioc):
    from services.common.errors import FailedPrecondition

    settings, store, *_ = ioc
    alert = {"_id": f"{TENANT}:a1", "tenant": TENANT}
    store.record_action(alert, "acknowledge", "op-lan", "", NOW)
    with pytest.raises(FailedPrecondition, match="already acknowledged"):
        store.record_action(alert, "acknowledge", "op-minh", "", NOW)


def test_retention_drops_whole_journal_days(ioc):
    settings, store, *_ = ioc
    old, today = NOW.date() - dt.timedelta(days=40), NOW.date()
    for day in (old, today):
        store.journal(journal_name(day), 1, NOW, [plate_read(1)], [], [])
    assert store.purge_journal(today - dt.timedelta(days=30)) == [journal_name(old)]
    assert store.journal_entry([journal_name(today)], 1) is not None
