"""Detection retention in a running iocevents worker: applied at start and then on its
timer, whole journal days older than the retention dropped and the recent ones kept,
and said so in the log and the metrics."""
import datetime as dt

import kombu
import pytest

from services.iocevents.store import IocStore, journal_name
from tests.helpers import LOGS, metric_value, start_worker, wait_for

pytestmark = pytest.mark.integration
HANDLERS = ("on_task_overdue", "on_kpi_target_missed", "on_kpi_target_recovered")


@pytest.fixture
def journal(settings, mongo):
    store = IocStore(mongo[f"{settings.namespace}_iocevents"])
    yield store.journal_db
    with kombu.Connection(settings.amqp_uri) as connection:
        channel = connection.channel()
        for handler in HANDLERS:  # so that no later test's events wait in them
            channel.queue_delete(f"{settings.namespace}.iocevents.{handler}")
            channel.queue_delete(f"{settings.namespace}.iocevents.{handler}.dead-letter")


def add_day(journal_db, day: dt.date) -> str:
    name = journal_name(day)
    journal_db[name].replace_one({"_id": 1}, {"at": dt.datetime.now(dt.UTC), "count": 0},
                                 upsert=True)
    return name


def started(settings, check_s: float):
    """The worker, and where its lines begin in the log (shared by the session's
    iocevents workers)."""
    log = LOGS / f"{settings.namespace}-commune-worker-iocevents.log"
    offset = log.stat().st_size if log.exists() else 0
    worker = start_worker(settings, "iocevents", COMMUNE_IOC_RETENTION_DAYS=30,
                          COMMUNE_IOC_RETENTION_CHECK_S=check_s)
    return worker, offset


def applied(worker, offset: int) -> list[str]:
    with open(worker.log_path, "rb") as log:
        log.seek(offset)
        return [line for line in log.read().decode().splitlines()
                if "detection retention applied" in line]


def test_a_worker_drops_old_journal_days_at_start(settings, journal):
    today = dt.datetime.now(dt.UTC).date()
    old = add_day(journal, today - dt.timedelta(days=31))
    recent = add_day(journal, today - dt.timedelta(days=29))
    current = add_day(journal, today)
    # A check period longer than the test: only the run at start can drop it.
    worker, offset = started(settings, 3600)
    try:
        wait_for(lambda: old not in journal.list_collection_names(), timeout=60,
                 what="the day older than the retention to be dropped at start")
        assert {recent, current} <= set(journal.list_collection_names())
        assert metric_value(worker.metrics(),
                            "commune_iocevents_journal_days_dropped_total") == 1
        [line] = wait_for(lambda: applied(worker, offset), timeout=60, what="the log line")
        assert old in line and recent not in line
    finally:
        worker.stop()


def test_a_running_worker_drops_a_day_that_passed_the_retention_at_its_next_check(
        settings, journal):
    today = dt.datetime.now(dt.UTC).date()
    recent = add_day(journal, today - dt.timedelta(days=29))
    worker, offset = started(settings, 1)
    try:
        wait_for(lambda: applied(worker, offset), timeout=60, what="the retention's run at start")
        later = add_day(journal, today - dt.timedelta(days=45))
        wait_for(lambda: later not in journal.list_collection_names(), timeout=60,
                 what="the timer to drop a day added since")
        assert recent in journal.list_collection_names()
        assert any(later in line for line in applied(worker, offset))
    finally:
        worker.stop()
