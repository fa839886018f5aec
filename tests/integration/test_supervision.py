"""`make run`'s processes survive as under Kubernetes: honcho runs the project's Procfile
lines (here tasks and tasks-grpc), a worker that is killed is started again by its
commune-supervise while the other process and honcho stay up, and Ctrl-C still stops
everything."""
import contextlib
import os
import signal
import subprocess
import urllib.request
from pathlib import Path

import pytest

from tests.helpers import BIN, LOGS, ROOT, env_for, free_port, wait_for

pytestmark = pytest.mark.integration
PROCESSES = ("tasks", "tasks-grpc")


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            pass
    return found


def _command(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text().split("\0")[:-1]
    except FileNotFoundError:
        return []


def _descendants(pid: int) -> list[int]:
    return [d for child in _children(pid) for d in (child, *_descendants(child))]


def _processes(honcho: int) -> dict[str, int]:
    """The pid of the tasks worker and of the tasks gRPC server among honcho's descendants
    (honcho starts each line from a multiprocessing child, through a supervisor)."""
    found = {}
    for pid in _descendants(honcho):
        script = _command(pid)[1:2]  # python SCRIPT ARGS...; not a shell or a supervisor
        for name, program in (("tasks", "commune-worker"), ("tasks-grpc", "commune-grpc")):
            if script and script[0].endswith(f"/{program}"):
                found[name] = pid
    return found


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.fixture
def honcho(settings, tmp_path):
    lines = [line for line in (ROOT / "Procfile").read_text().splitlines()
             if line.partition(":")[0] in PROCESSES]
    assert len(lines) == len(PROCESSES), "the Procfile lost a process this test runs"
    procfile = tmp_path / "Procfile"
    procfile.write_text("\n".join(lines) + "\n")
    ports = {"COMMUNE_HTTP_PORT": free_port(), "COMMUNE_GRPC_PORT": free_port(),
             "COMMUNE_METRICS_PORT": free_port()}
    LOGS.mkdir(parents=True, exist_ok=True)
    log = open(LOGS / f"{settings.namespace}-honcho.log", "ab")
    popen = subprocess.Popen([str(BIN / "honcho"), "start", "-f", str(procfile)], cwd=ROOT,
                             env=env_for(settings, **ports), stdout=log,
                             stderr=subprocess.STDOUT, start_new_session=True)
    yield popen, ports
    leftovers = _descendants(popen.pid)  # a failed test's: honcho's, the supervisors'
    if popen.poll() is None:
        os.killpg(popen.pid, signal.SIGKILL)
    for pid in leftovers:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    popen.wait()
    log.close()


def _worker_ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/ready", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def test_a_killed_process_is_restarted_and_the_others_stay_up(honcho):
    popen, ports = honcho
    wait_for(lambda: _worker_ready(ports["COMMUNE_HTTP_PORT"]), 180, 0.5, "the tasks worker")
    before = wait_for(lambda: len(found := _processes(popen.pid)) == 2 and found, 60, 0.5,
                      "both processes")

    os.kill(before["tasks"], signal.SIGKILL)

    after = wait_for(lambda: _processes(popen.pid).get("tasks") not in (None, before["tasks"])
                     and _processes(popen.pid), 120, 0.5, "the tasks worker to be started again")
    wait_for(lambda: _worker_ready(ports["COMMUNE_HTTP_PORT"]), 180, 0.5,
             "the restarted tasks worker to be ready")
    assert after["tasks-grpc"] == before["tasks-grpc"]  # the other process untouched
    assert popen.poll() is None  # honcho did not stop everything

    os.kill(popen.pid, signal.SIGINT)  # Ctrl-C
    popen.wait(60)
    wait_for(lambda: not any(_running(pid) for pid in after.values()), 60, 0.2,
             "every process to stop")
