"""A process whose broker or database is out of reach at start says so in one line and
exits non-zero, instead of hanging or printing a wall of tracebacks."""
import subprocess

import pytest

from services import catalog
from tests.helpers import BIN, env_for

pytestmark = pytest.mark.integration

UNREACHABLE_BROKER = {"AMQP_URI": "amqp://guest:guest@127.0.0.1:1/"}
UNREACHABLE_DATABASE = {"MONGO_URI": "mongodb://127.0.0.1:1/?retryWrites=false"}


@pytest.mark.parametrize("command", ["commune-worker", "commune-grpc"])
@pytest.mark.parametrize("override, cause", [
    (UNREACHABLE_BROKER, "RabbitMQ is not reachable at amqp://guest:**@127.0.0.1:1/ "),
    (UNREACHABLE_DATABASE, "the database is not reachable at mongodb://127.0.0.1:1/"),
])
def test_unreachable_dependency_gives_one_line_and_exit_2(settings, command, override, cause):
    env = {**env_for(settings, COMMUNE_STARTUP_TIMEOUT_S=1), **override}
    done = subprocess.run([str(BIN / command), "tasks"], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert cause in lines[0]
    assert "make infra" in lines[0]


def test_unknown_service_is_refused(settings):
    done = subprocess.run([str(BIN / "commune-worker"), "nope"], env=env_for(settings),
                          capture_output=True, text=True, timeout=30)
    assert done.returncode != 0
    assert f"usage: commune-worker {{{'|'.join(catalog.WORKERS)}}}" in done.stderr
