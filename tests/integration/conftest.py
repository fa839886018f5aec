import uuid

import pytest

from services.kpi.store import KpiStore
from tests.helpers import Broker


@pytest.fixture(scope="module")
def broker(settings):
    """The test's view of the broker, shared by a module's tests (a module may declare
    its own, per test)."""
    broker = Broker(settings)
    yield broker
    broker.close()


@pytest.fixture
def kpi_store(mongo, settings):
    """A KPI store on a database of the test's own (nothing left by another test)."""
    store = KpiStore(mongo[f"{settings.namespace}_kpi_{uuid.uuid4().hex[:8]}"])
    store.ensure_indexes()
    return store
