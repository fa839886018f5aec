import pytest

from tests.helpers import Broker


@pytest.fixture(scope="module")
def broker(settings):
    """The test's view of the broker, shared by a module's tests (a module may declare
    its own, per test)."""
    broker = Broker(settings)
    yield broker
    broker.close()
