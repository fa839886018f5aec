"""The reliability suite's fixtures: a RabbitMQ and a FerretDB of its own behind toxiproxy
(the shared servers are never stopped or cut), and the platform's processes started in a
fresh namespace on them for each scenario.

The fast scenarios run in `make test`; the rest only with COMMUNE_RELIABILITY=all
(`make reliability`), as they take minutes each."""
import contextlib
import os
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from services.common.readiness import wait_until_ready
from services.common.settings import Settings
from tests.helpers import ROOT
from tests.reliability.platform import COMMANDS, Platform, prepare
from tests.reliability.servers import (
    FERRETDB,
    RABBITMQ_BIN,
    TOXIPROXY,
    PrivateFerret,
    PrivateRabbit,
    Toxiproxy,
    remove,
)

ALL = os.environ.get("COMMUNE_RELIABILITY") == "all"
# Every scenario but the fast subset: `make reliability`.
slow = pytest.mark.skipif(not ALL, reason="a slow fault scenario: COMMUNE_RELIABILITY=all "
                                          "(make reliability)")


@dataclass
class Servers:
    rabbit: PrivateRabbit
    ferret: PrivateFerret
    toxiproxy: Toxiproxy
    broker_port: int
    database_port: int

    def settings(self, namespace: str, proxied: bool = True) -> Settings:
        """Through toxiproxy (the processes' way, faults apply) or straight to the
        servers (the test's own reads)."""
        amqp = self.broker_port if proxied else self.rabbit.port
        mongo = self.database_port if proxied else self.ferret.port
        return Settings(amqp_uri=f"amqp://guest:guest@127.0.0.1:{amqp}/",
                        mongo_uri=f"mongodb://127.0.0.1:{mongo}/?retryWrites=false",
                        namespace=namespace)

    def restart_broker(self) -> None:
        self.rabbit.stop()
        self.rabbit.start()

    def restart_database(self) -> None:
        self.ferret.stop()
        self.ferret.start()


@pytest.fixture(scope="session")
def servers():
    missing = [str(p) for p in (RABBITMQ_BIN / "rabbitmq-server", FERRETDB, TOXIPROXY)
               if not p.exists()]
    if missing:
        pytest.fail(f"the reliability suite runs servers of its own and needs {missing}: "
                    "`make setup infra` installs them", pytrace=False)
    base = Path(tempfile.mkdtemp(prefix="reliability-", dir=ROOT / "var"))
    started = []
    try:
        rabbit = PrivateRabbit(base / "rabbitmq")
        started.append(rabbit.start())
        ferret = PrivateFerret(base / "ferretdb")
        started.append(ferret.start())
        toxiproxy = Toxiproxy(base)
        started.append(toxiproxy)
        yield Servers(rabbit, ferret, toxiproxy, toxiproxy.proxy("broker", rabbit.port),
                      toxiproxy.proxy("database", ferret.port))
    finally:
        for server in reversed(started):
            server.close() if isinstance(server, Toxiproxy) else server.stop()
        remove(base)


@contextlib.contextmanager
def _started(servers: Servers):
    """Every process of the workload in a fresh namespace on the private servers, with
    the demo data the workload needs."""
    namespace = f"r{uuid.uuid4().hex[:8]}"
    direct = servers.settings(namespace, proxied=False)
    wait_until_ready(direct, timeout=60)
    prepare(direct)
    platform = Platform(servers.settings(namespace), direct)
    try:
        for name in COMMANDS:
            platform.start(name, wait=False)
        platform.all_ready()
        yield platform
    finally:
        platform.stop()
        servers.toxiproxy.restore("broker")
        servers.toxiproxy.restore("database")


@pytest.fixture
def platform(servers):
    """A platform of the test's own (a fault that may leave it damaged)."""
    with _started(servers) as platform:
        yield platform


@pytest.fixture(scope="module")
def shared_platform(servers):
    """One platform for a module's scenarios that each leave it whole (a server
    restarted, a process replaced): each workload writes under keys of its own and the
    reconciliation counts its own writes, the derived views the whole namespace's."""
    with _started(servers) as platform:
        yield platform

