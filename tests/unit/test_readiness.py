"""What a caller of /health/ready learns when a dependency is out of reach: which one, in
our words; the library's text and the server's address go to the log only."""
import json
import socket

import pytest
from structlog.testing import capture_logs

from services.common.nameko_ext import health
from services.common.readiness import NotReady, check_database
from services.common.settings import Settings


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_ready_answers_the_broker_unreachable_and_logs_the_detail(monkeypatch, closed_port):
    settings = Settings(amqp_uri=f"amqp://guest:secret@127.0.0.1:{closed_port}/")
    monkeypatch.setattr(health, "get_settings", lambda: settings)
    with capture_logs() as logged:
        answer = health.HealthEndpoints().health_ready(None)
    assert (answer.status_code, json.loads(answer.get_data())) == (
        503, {"ready": False, "reason": "broker unreachable"})
    [entry] = logged
    assert str(closed_port) in entry["reason"] and "secret" not in entry["reason"]


def test_the_database_out_of_reach_is_named_without_its_library_text(closed_port):
    settings = Settings(mongo_uri=f"mongodb://127.0.0.1:{closed_port}/")
    with pytest.raises(NotReady) as refused:
        check_database(settings, timeout=0.5)
    assert refused.value.reason == "database unreachable"
    assert str(closed_port) in str(refused.value)  # the operator's message says where
