"""Test fixtures: the real broker and database, each test session in a namespace of its
own (databases, exchanges and queues), and the platform's processes when asked for.

Where a Docker engine runs, pytest-docker starts docker-compose.yml; elsewhere the
local servers that `make test` started (or AMQP_URI / MONGO_URI) are used. The
integration tests never skip for want of Docker."""
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from services.common.readiness import NotReady, wait_until_ready
from services.common.settings import Settings
from tests.helpers import remove_namespace

ROOT = Path(__file__).resolve().parent.parent


def _docker_engine_running() -> bool:
    if os.environ.get("AMQP_URI") or os.environ.get("MONGO_URI") or not shutil.which("docker"):
        return False
    return subprocess.run(["docker", "info"], capture_output=True).returncode == 0


@pytest.fixture(scope="session")
def docker_compose_file():
    return str(ROOT / "docker-compose.yml")


@pytest.fixture(scope="session")
def server_uris(request) -> dict:
    if _docker_engine_running():
        services = request.getfixturevalue("docker_services")
        return {
            "AMQP_URI": f"amqp://guest:guest@127.0.0.1:{services.port_for('rabbitmq', 5672)}/",
            "MONGO_URI": f"mongodb://127.0.0.1:{services.port_for('mongodb', 27017)}/",
        }
    defaults = Settings()
    return {"AMQP_URI": os.environ.get("AMQP_URI", defaults.amqp_uri),
            "MONGO_URI": os.environ.get("MONGO_URI", defaults.mongo_uri)}


@pytest.fixture(scope="session")
def namespace() -> str:
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="session")
def settings(server_uris, namespace) -> Settings:
    settings = Settings(amqp_uri=server_uris["AMQP_URI"], mongo_uri=server_uris["MONGO_URI"],
                        namespace=namespace)
    try:
        wait_until_ready(settings, timeout=30)
    except NotReady as exc:
        pytest.fail(f"{exc} (run the suite with 'make test', which starts both)",
                    pytrace=False)
    # As `make run` does: every consumer's queue exists before any test publishes.
    from services.topology import declare
    declare(settings)
    yield settings
    remove_namespace(settings)


@pytest.fixture(scope="module")
def other_namespace(settings):
    """Makes settings of a namespace of their own, where nothing is declared yet (the
    session's namespace has the topology), and cleans each up after the module."""
    made = []

    def make() -> Settings:
        made.append(settings.model_copy(update={"namespace": f"t{uuid.uuid4().hex[:10]}"}))
        return made[-1]
    yield make
    for other in made:
        remove_namespace(other)


@pytest.fixture(scope="session")
def mongo(settings):
    import pymongo

    client = pymongo.MongoClient(settings.mongo_uri, tz_aware=True)
    yield client
    client.close()
