"""Storage primitives on the real database: the idempotency guard and tenant scoping (the
outbox: test_outbox.py)."""
import datetime as dt

import pytest
from pymongo.errors import AutoReconnect

from services.common import idempotency
from services.common.idempotency import Claim, EventGuard
from services.common.mongo import TenantCollection, ensure_indexes
from tests.helpers import start_worker, wait_for

pytestmark = pytest.mark.integration


@pytest.fixture
def db(mongo, settings):
    return mongo[f"{settings.namespace}_storage"]


@pytest.fixture
def guard(db):
    ensure_indexes(db, idempotency.INDEXES)
    return EventGuard(db)


def test_one_claim_wins_and_the_event_is_done_once_per_consumer(guard):
    assert guard.claim("kpi.on_task_created", "e1", "binh-lu") is Claim.WON
    assert guard.claim("kpi.on_task_created", "e1", "binh-lu") is Claim.BUSY
    guard.done("kpi.on_task_created", "e1")
    assert guard.claim("kpi.on_task_created", "e1", "binh-lu") is Claim.DONE
    assert guard.claim("iocevents.on_task_created", "e1", "binh-lu") is Claim.WON


def test_a_released_claim_can_be_won_again(guard):
    assert guard.claim("kpi.on_task_created", "e2", "binh-lu") is Claim.WON
    guard.release("kpi.on_task_created", "e2")
    assert guard.claim("kpi.on_task_created", "e2", "binh-lu") is Claim.WON


def test_a_claim_older_than_the_lease_is_taken_over(guard, db):
    assert guard.claim("kpi.on_task_created", "e3", "binh-lu") is Claim.WON
    abandoned = dt.datetime.now(dt.UTC) - idempotency.CLAIM_LEASE - dt.timedelta(seconds=1)
    db[idempotency.COLLECTION].update_one({"event_id": "e3"}, {"$set": {"at": abandoned}})
    assert guard.claim("kpi.on_task_created", "e3", "binh-lu") is Claim.WON
    assert guard.claim("kpi.on_task_created", "e3", "binh-lu") is Claim.BUSY


def test_a_version_claim_left_by_a_cut_write_is_taken_over_after_its_shorter_lease(guard, db):
    versions = idempotency.VersionClaims(guard, "kpi.write")
    assert versions.claim("sheet-1", 4, "binh-lu")
    assert not versions.claim("sheet-1", 4, "binh-lu")
    left = dt.datetime.now(dt.UTC) - idempotency.VERSION_CLAIM_LEASE - dt.timedelta(seconds=1)
    db[idempotency.COLLECTION].update_one({"event_id": "sheet-1:4"}, {"$set": {"at": left}})
    assert left > dt.datetime.now(dt.UTC) - idempotency.CLAIM_LEASE  # an event's would hold
    assert versions.claim("sheet-1", 4, "binh-lu")
    assert not versions.claim("sheet-1", 4, "binh-lu")


def test_a_version_claim_whose_write_failed_is_given_back_at_once(guard):
    versions = idempotency.VersionClaims(guard, "kpi.write")
    assert versions.claim("sheet-2", 1, "binh-lu")
    with pytest.raises(AutoReconnect), versions.held("sheet-2", 1):
        raise AutoReconnect("the database went away mid-write")
    assert versions.claim("sheet-2", 1, "binh-lu")


def test_a_process_gives_back_only_its_own_version_claims(guard, db):
    versions = idempotency.VersionClaims(guard, "kpi.write")
    assert versions.claim("sheet-3", 1, "binh-lu")
    db[idempotency.COLLECTION].update_one({"event_id": "sheet-3:1"},
                                          {"$set": {"holder": "another process"}})
    with pytest.raises(RuntimeError), versions.held("sheet-3", 1):
        raise RuntimeError("a write that failed")
    assert not versions.claim("sheet-3", 1, "binh-lu")


def test_tenant_collection_never_reaches_another_commune(db):
    TenantCollection(db.things, "binh-lu").insert_one({"_id": "a", "name": "Nà Đa"})
    TenantCollection(db.things, "lung-phinh").insert_one({"_id": "b", "name": "Sín Chải"})
    binh_lu = TenantCollection(db.things, "binh-lu")
    assert binh_lu.find_one({"_id": "b"}) is None
    assert binh_lu.by_id("b") is None
    assert binh_lu.by_id("a", {"name": 1})["name"] == "Nà Đa"
    assert [d["_id"] for d in binh_lu.find({})] == ["a"]
    assert binh_lu.update_one({"_id": "b"}, {"$set": {"name": "x"}}).matched_count == 0
    assert binh_lu.count_documents() == 1


def test_records_older_than_the_retention_are_pruned_and_recent_ones_kept(guard, db):
    guard.claim("kpi.on_task_created", "recent", "binh-lu")
    guard.done("kpi.on_task_created", "recent")
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=8)
    db.handled_events.insert_many([
        {"_id": "kpi.on_task_created|old", "event_id": "old", "tenant": "binh-lu", "at": old},
        {"_id": "kpi.on_task_created|old|done", "at": old}])
    assert guard.prune(dt.datetime.now(dt.UTC) - dt.timedelta(days=7)) == 2
    assert guard.claim("kpi.on_task_created", "recent", "binh-lu") is Claim.DONE
    assert guard.claim("kpi.on_task_created", "old", "binh-lu") is Claim.WON


def test_a_worker_prunes_old_records_of_its_database(settings, mongo):
    handled = mongo[f"{settings.namespace}_kpi"].handled_events
    now = dt.datetime.now(dt.UTC)
    handled.insert_many([{"_id": "prune-test|old|done", "at": now - dt.timedelta(days=8)},
                         {"_id": "prune-test|recent|done", "at": now}])
    worker = start_worker(settings, "kpi", COMMUNE_HANDLED_EVENTS_PRUNE_S=1)
    try:
        wait_for(lambda: handled.find_one({"_id": "prune-test|old|done"}) is None,
                 what="the old record pruned")
        assert handled.find_one({"_id": "prune-test|recent|done"}) is not None
    finally:
        worker.stop()
