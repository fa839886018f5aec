"""Faults while traffic flows: the counted workload runs, the broker or the database is
restarted, cut or slowed, or a process is killed with SIGKILL, the workload goes on, and
at the end every acknowledged write is stored exactly once and every derived view equals
its source. The processes are never restarted for a fault of the servers: they wait it
out and recover by themselves.

Each scenario prints its figures (attempted, acknowledged, stored, duplicated, lost, time
to recover) and appends them to var/reliability-figures.txt."""
import time

import pytest

from tests.helpers import wait_for
from tests.reliability.conftest import Platform, slow
from tests.reliability.workload import Workload, reconcile, record

pytestmark = pytest.mark.e2e
OUTAGE_S = 30.0
# Writes of each kind acknowledged before the fault and again after it: every kind
# crosses the fault. The trace events are the slowest (about 2 a second on a loaded
# machine, each appended to one batch's chain): they set the pace.
BEFORE, AFTER = 8, 8


def _acked(workload: Workload) -> dict[str, int]:
    return {kind: len(t.acked) for kind, t in workload.tallies.items()}


def _more_of_each(workload: Workload, than: dict[str, int], n: int) -> bool:
    now = _acked(workload)
    return all(now[kind] >= than[kind] + n for kind in now)


def _until(workload: Workload, than: dict[str, int], n: int, what: str) -> None:
    try:
        wait_for(lambda: _more_of_each(workload, than, n), what=what)
    except AssertionError as exc:
        raise AssertionError(f"{exc}: acknowledged {_acked(workload)} (from {than}), "
                             f"refused {dict(workload.errors)}") from None


def run_scenario(name: str, platform: Platform, fault) -> None:
    """Workload, fault, workload again, reconciliation. `fault()` returns when the fault
    is over (the server back, the process replaced)."""
    workload = Workload(platform.settings, platform.processes).start()
    try:
        _until(workload, dict.fromkeys(workload.tallies, 0), BEFORE, "the workload to start")
        began = time.monotonic()
        fault()
        ended, at_end = time.monotonic(), _acked(workload)
        _until(workload, at_end, 1, "writes acknowledged again")
        recovered_s = time.monotonic() - ended
        _until(workload, at_end, AFTER, "the workload after the fault")
    finally:
        workload.stop()
    died = platform.died()
    result = reconcile(workload, platform.direct)
    table = result.table(f"{name}: the fault lasted {ended - began:.1f} s, writes of every "
                         f"kind acknowledged again {recovered_s:.1f} s after its end; "
                         f"answers that were not acknowledgements {dict(workload.errors)}")
    record(table)
    assert died == [], f"processes died: {died}"
    assert result.problems() == []
    # 503 UNAVAILABLE while a server is away is an answer (not acknowledged, the client
    # may ask again); anything else refused, or a 500, is a defect.
    refused = {key: n for key, n in workload.errors.items() if key[1] != 503}
    assert refused == {}, f"refused writes: {refused}"


# The fast scenarios (`make test`) share one platform: each leaves it whole.

def test_broker_restarted_mid_stream(shared_platform, servers):
    run_scenario("broker restarted", shared_platform, servers.restart_broker)


def test_a_worker_killed_mid_stream_is_replaced(shared_platform):
    def kill_tasks_worker():
        shared_platform.kill("tasks")
        shared_platform.start("tasks")
    run_scenario("tasks worker kill -9", shared_platform, kill_tasks_worker)


@slow
def test_broker_unreachable_for_30_s(platform, servers):
    def outage():
        servers.toxiproxy.cut("broker")
        _wait(OUTAGE_S)
        servers.toxiproxy.restore("broker")
    run_scenario("broker unreachable 30 s", platform, outage)


@slow
def test_broker_slow_then_cut_mid_publish(platform, servers):
    def slow_then_cut():
        servers.toxiproxy.toxic("broker", "latency", latency=300, jitter=100)
        _wait(10)
        # Connections reset once 2 kB more have gone by: mid-frame, mid-publish.
        servers.toxiproxy.toxic("broker", "limit_data", stream="upstream", bytes=2048)
        _wait(5)
        servers.toxiproxy.restore("broker")
    run_scenario("broker latency, cut mid-publish", platform, slow_then_cut)


@slow
def test_database_restarted_mid_stream(platform, servers):
    run_scenario("database restarted", platform, servers.restart_database)


@slow
def test_database_unreachable_for_30_s_readiness_false_then_true(platform, servers):
    def outage():
        servers.toxiproxy.cut("database")
        wait_for(lambda: not _ready(platform, "tasks"), what="tasks readiness to go false")
        _wait(OUTAGE_S)
        servers.toxiproxy.restore("database")
        wait_for(lambda: _ready(platform, "tasks"), what="tasks readiness to come back")
    run_scenario("database unreachable 30 s", platform, outage)


@slow
@pytest.mark.parametrize("name", ["kpi", "assistant", "iocevents", "trace", "tasks-grpc",
                                  "pipeline"])
def test_each_process_killed_mid_stream_is_replaced(platform, name):
    def kill():
        platform.kill(name)
        platform.start(name)
    run_scenario(f"{name} kill -9", platform, kill)


def _ready(platform: Platform, name: str) -> bool:
    import urllib.request
    process = platform.processes[name]
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{process.http_port}/health/ready",
                                    timeout=10) as response:
            return response.status == 200
    except OSError:
        return False


def _wait(seconds: float) -> None:
    """The fault lasts this long (a duration, not a wait for a condition)."""
    until = time.monotonic() + seconds
    wait_for(lambda: time.monotonic() >= until, seconds + 10, 0.5, f"{seconds} s")
