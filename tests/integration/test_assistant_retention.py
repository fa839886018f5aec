"""Answer-trace retention in a running assistant worker: applied at start, whole days of
traces older than the retention dropped and the recent ones kept, said so in the log
(they were kept forever before)."""
import datetime as dt

import pytest

from services.assistant.store import AssistantStore
from tests.helpers import LOGS, start_worker, wait_for

pytestmark = pytest.mark.integration


def add_day(db, day: dt.date) -> str:
    name = AssistantStore.traces(day)
    db[name].replace_one({"_id": f"{day:%Y%m%d}-test"}, {"tenant": "binh-lu"}, upsert=True)
    return name


def test_the_assistant_worker_drops_answer_traces_older_than_the_retention(settings, mongo):
    db = mongo[f"{settings.namespace}_assistant"]
    today = dt.datetime.now(dt.UTC).date()
    old = add_day(db, today - dt.timedelta(days=91))
    recent = add_day(db, today - dt.timedelta(days=89))
    current = add_day(db, today)
    log = LOGS / f"{settings.namespace}-commune-worker-assistant.log"  # shared: read on
    offset = log.stat().st_size if log.exists() else 0
    # A check period longer than the test: only the run at start can drop it.
    worker = start_worker(settings, "assistant", COMMUNE_ASSISTANT_TRACE_RETENTION_DAYS=90,
                          COMMUNE_ASSISTANT_TRACE_RETENTION_CHECK_S=3600)
    try:
        wait_for(lambda: "answer trace retention applied" in log.read_text()[offset:],
                 what="the retention run at start")
        names = db.list_collection_names()
        assert old not in names
        assert recent in names and current in names
    finally:
        worker.stop()
    db.drop_collection(recent)
    db.drop_collection(current)
