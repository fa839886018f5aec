"""A version claim whose write failed while the database was away is given back before
this process claims that version again (pure logic: a guard in memory)."""
import pytest
from pymongo.errors import AutoReconnect

from services.common.idempotency import Claim, VersionClaims


class GuardInMemory:
    """Claims in a set; the database away while `away` is set."""

    def __init__(self):
        self.claims, self.away = set(), False

    def claim(self, consumer, event_id, tenant, lease):
        if (consumer, event_id) in self.claims:
            return Claim.BUSY
        self.claims.add((consumer, event_id))
        return Claim.WON

    def release_own(self, consumer, event_id):
        if self.away:
            raise AutoReconnect("the database is away")
        self.claims.discard((consumer, event_id))


def test_a_claim_the_database_kept_is_given_back_when_it_returns():
    guard = GuardInMemory()
    versions = VersionClaims(guard, "tasks.write")
    assert versions.claim("task-1", 2, "binh-lu")
    guard.away = True
    with pytest.raises(AutoReconnect), versions.held("task-1", 2):
        raise AutoReconnect("cut mid-write")
    assert ("tasks.write", "task-1:2") in guard.claims
    with pytest.raises(AutoReconnect):  # still away: the caller answers 503
        versions.claim("task-1", 2, "binh-lu")
    guard.away = False
    assert versions.claim("task-1", 2, "binh-lu")
    assert not versions.claim("task-1", 2, "binh-lu")


def test_a_write_that_succeeds_keeps_its_claim():
    guard = GuardInMemory()
    versions = VersionClaims(guard, "kpi.write")
    assert versions.claim("sheet-1", 1, "binh-lu")
    with versions.held("sheet-1", 1):
        pass
    assert not versions.claim("sheet-1", 1, "binh-lu")
