"""`make run` (scripts/run.sh) stops on Ctrl-C only the broker and database that it
started itself, never those another set-up (an earlier `make test`) left running.

Each run has a state directory of its own (COMMUNE_VAR), a stand-in for RabbitMQ's init
script that only records how it was called (the shared broker is never stopped), a
Procfile of one supervised idle process, and a namespace of its own for the demo data."""
import os
import signal
import subprocess
import urllib.parse
from pathlib import Path

import pymongo
import pytest

from services.common.settings import Settings
from tests.helpers import BIN, ROOT, env_for, free_port, remove_namespace, wait_for

pytestmark = pytest.mark.integration
FERRETDB = Path(os.environ.get("COMMUNE_TOOLS_CACHE", Path.home() / ".cache/commune-tools"),
                "ferretdb-v1.24.2", "ferretdb")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie has exited too
        return stat.read().rsplit(")", 1)[1].split()[0] != "Z"


class MakeRun:
    """scripts/run.sh in a state directory of its own, stopped as Ctrl-C stops it."""

    def __init__(self, tmp_path: Path, settings: Settings, **env):
        self.var = tmp_path / "var"
        (self.var / "run").mkdir(parents=True)
        self.init_calls = tmp_path / "rabbitmq-init.calls"
        init = tmp_path / "rabbitmq-init"
        init.write_text(f'#!/bin/sh\necho "$@" >>{self.init_calls}\n')
        init.chmod(0o755)
        self.idle_pid = tmp_path / "idle.pid"
        procfile = tmp_path / "Procfile"
        procfile.write_text(f"idle: exec {BIN}/commune-supervise sh -c "
                            f"'echo $$ >{self.idle_pid}; exec sleep 600'\n")
        self.settings = settings
        self.env = {**env_for(settings), "COMMUNE_VAR": str(self.var),
                    "COMMUNE_RABBITMQ_INIT": str(init), "COMMUNE_PROCFILE": str(procfile),
                    **{k: str(v) for k, v in env.items()}}
        # The set-up's own check of the ports, as after an earlier `make test`; the URIs
        # only when the servers are not where the set-up looks by default.
        for key, field in (("AMQP_URI", "amqp_uri"), ("MONGO_URI", "mongo_uri")):
            if self.env[key] == Settings.model_fields[field].default:
                del self.env[key]
        self.log = tmp_path / "make-run.log"
        self.popen: subprocess.Popen | None = None

    def marker(self, name: str) -> Path:
        return self.var / "run" / name

    def start_and_stop(self) -> str:
        """Start it, wait for its process to be up, then Ctrl-C; what it printed."""
        with open(self.log, "wb") as log:
            self.popen = subprocess.Popen([str(ROOT / "scripts" / "run.sh")], env=self.env,
                                          stdout=log, stderr=subprocess.STDOUT,
                                          start_new_session=True)
        try:
            wait_for(lambda: self.idle_pid.exists() and self.idle_pid.read_text().strip(),
                     180, 0.5, f"make run's process to start ({self.log})")
            os.killpg(self.popen.pid, signal.SIGINT)
            self.popen.wait(120)
        finally:
            if self.popen.poll() is None:
                os.killpg(self.popen.pid, signal.SIGKILL)
        assert not _alive(int(self.idle_pid.read_text())), "Ctrl-C left the process running"
        return self.log.read_text()


@pytest.fixture
def run_settings(settings):
    """A namespace of its own for the demo data `make run` loads."""
    own = settings.model_copy(update={"namespace": f"{settings.namespace}_run"})
    yield own
    remove_namespace(own)  # the demo data's events went out on its exchanges


@pytest.fixture
def earlier_database(tmp_path):
    """A stand-in for a FerretDB that an earlier set-up started (its pid in the marker)."""
    process = subprocess.Popen(["sleep", "600"])
    yield process
    process.kill()
    process.wait()


def test_ctrl_c_leaves_the_broker_and_database_an_earlier_set_up_started(
        tmp_path, run_settings, earlier_database):
    run = MakeRun(tmp_path, run_settings)
    run.marker("ferretdb.pid").write_text(f"{earlier_database.pid}\n")
    run.marker("rabbitmq.started").touch()

    printed = run.start_and_stop()

    assert "using the broker already on" in printed or "using AMQP_URI" in printed, printed
    assert earlier_database.poll() is None, f"make run stopped the database:\n{printed}"
    assert not run.init_calls.exists(), f"make run ran RabbitMQ's init script:\n{printed}"
    # `make stop` still knows what the earlier set-up started.
    assert run.marker("ferretdb.pid").exists() and run.marker("rabbitmq.started").exists()
    assert list((run.var / "run").glob("make-run.*")) == []


@pytest.mark.skipif(not FERRETDB.exists(), reason=f"no FerretDB build at {FERRETDB}")
def test_ctrl_c_stops_the_database_make_run_started_and_not_the_broker(tmp_path, run_settings):
    port = free_port()
    database = urllib.parse.urlunsplit(("mongodb", f"127.0.0.1:{port}", "/",
                                        "retryWrites=false", ""))
    own = run_settings.model_copy(update={"mongo_uri": database})
    run = MakeRun(tmp_path, own, FERRETDB_PORT=port, FERRETDB_DEBUG_PORT=free_port(),
                  COMMUNE_MONGO_URI=database)
    run.env.pop("MONGO_URI", None)  # else the set-up uses it and starts nothing
    run.marker("rabbitmq.started").touch()  # an earlier set-up's broker

    printed = run.start_and_stop()

    assert f"starting on :{port}" in printed, printed
    assert "FerretDB: stopped" in printed.replace("\x1b[1m", "").replace("\x1b[0m", ""), printed
    assert not run.marker("ferretdb.pid").exists()
    client = pymongo.MongoClient(database, serverSelectionTimeoutMS=2000)
    with pytest.raises(pymongo.errors.ServerSelectionTimeoutError):
        client.admin.command("ping")
    client.close()
    assert not run.init_calls.exists(), f"make run ran RabbitMQ's init script:\n{printed}"
    assert run.marker("rabbitmq.started").exists()


def test_every_process_of_the_procfile_is_supervised():
    for line in (ROOT / "Procfile").read_text().splitlines():
        if not line.startswith("#"):
            assert line.partition(":")[2].split()[:2] == ["exec", ".venv/bin/commune-supervise"]


def test_make_stop_stops_every_server_a_set_up_started(tmp_path, earlier_database):
    var, calls = tmp_path / "var", tmp_path / "rabbitmq-init.calls"
    (var / "run").mkdir(parents=True)
    (var / "run" / "ferretdb.pid").write_text(f"{earlier_database.pid}\n")
    (var / "run" / "rabbitmq.started").touch()
    init = tmp_path / "rabbitmq-init"
    init.write_text(f'#!/bin/sh\necho "$@" >>{calls}\n')
    init.chmod(0o755)

    subprocess.run([str(ROOT / "scripts" / "stop-infra.sh")], check=True, timeout=60,
                   env={**os.environ, "COMMUNE_VAR": str(var),
                        "COMMUNE_RABBITMQ_INIT": str(init)})

    assert earlier_database.wait(60) is not None
    assert calls.read_text() == "stop\n"
    assert list((var / "run").iterdir()) == []
