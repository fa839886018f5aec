"""Data lifecycle under way: the records of handled events are pruned on schedule
without letting a redelivery through inside their window, and a dump of a running
platform, restored, holds every write acknowledged before the dump began."""
import datetime as dt
import subprocess
import time

import pytest

from commune.v1 import events_pb2, tasks_pb2
from services.common.envelope import Envelope
from tests.helpers import (
    BIN,
    LOGS,
    Broker,
    env_for,
    metric_value,
    remove_namespace,
    start_worker,
    wait_for,
)
from tests.reliability.conftest import slow
from tests.reliability.workload import Workload, reconcile, record, stored_counts

pytestmark = pytest.mark.e2e


def test_pruning_keeps_a_redelivery_inside_the_window_from_being_handled_again(settings,
                                                                                mongo):
    """iocevents' task.overdue handler is guarded by handled_events; with a prune every
    second, an event handled, then pruning runs (an older record goes), then the event
    comes again: still recognised as handled."""
    handled_events = mongo[f"{settings.namespace}_iocevents"].handled_events
    log = LOGS / f"{settings.namespace}-commune-worker-iocevents.log"
    worker = start_worker(settings, "iocevents", COMMUNE_HANDLED_EVENTS_PRUNE_S=1,
                          COMMUNE_HANDLED_EVENTS_RETENTION_DAYS=7)
    broker = Broker(settings)

    def overdue(outcome):
        return metric_value(worker.metrics(), "commune_iocevents_events_consumed_total",
                            event_type="task.overdue", outcome=outcome)
    try:
        task = tasks_pb2.Task(id="t-prune", tenant="pruning", code="KH-01", title="Việc")
        event = Envelope.wrap("task.overdue", "tasks", "pruning",
                              events_pb2.TaskOverdue(task=task))
        broker.publish("tasks", "task.overdue", event.to_json())
        wait_for(lambda: overdue("handled") == 1, what="the event handled")
        old = dt.datetime.now(dt.UTC) - dt.timedelta(days=8)
        handled_events.insert_one({"_id": "lifecycle|old|done", "at": old})
        pruned_before = log.read_text().count("handled events pruned")
        wait_for(lambda: handled_events.find_one({"_id": "lifecycle|old|done"}) is None,
                 what="the record older than the retention pruned")
        wait_for(lambda: log.read_text().count("handled events pruned") >= pruned_before + 2,
                 what="two more prune runs")
        broker.publish("tasks", "task.overdue", event.to_json())  # the redelivery
        wait_for(lambda: overdue("duplicate") == 1, what="the redelivery recognised")
        assert overdue("handled") == 1
    finally:
        broker.close()
        worker.stop()


@slow
def test_a_dump_of_the_running_platform_restores_every_write_acknowledged_before(
        platform, tmp_path):
    workload = Workload(platform.settings, platform.processes).start()
    try:
        wait_for(lambda: all(len(t.acked) >= 20 for t in workload.tallies.values()),
                 what="the workload to get going")
        before = {kind: set(t.acked) for kind, t in workload.tallies.items()}
        started = time.monotonic()
        dumped = subprocess.run([str(BIN / "commune"), "backup", "dump", str(tmp_path / "d")],
                                env=env_for(platform.direct), capture_output=True, text=True,
                                timeout=600)
        dump_s = time.monotonic() - started
        assert dumped.returncode == 0, dumped.stderr
        wait_for(lambda: all(len(t.acked) >= len(before[k]) + 10
                             for k, t in workload.tallies.items()), what="writes after it")
    finally:
        workload.stop()
    assert reconcile(workload, platform.direct).problems() == []
    platform.stop()
    remove_namespace(platform.direct)
    restored = subprocess.run([str(BIN / "commune"), "backup", "restore", str(tmp_path / "d")],
                              env=env_for(platform.direct), capture_output=True, text=True,
                              timeout=600)
    assert restored.returncode == 0, restored.stderr
    stored = stored_counts(platform.direct, workload)
    missing = {kind: len(before[kind] - set(stored[kind])) for kind in before}
    record(f"backup: dump of the running platform took {dump_s:.1f} s; {dumped.stdout.strip()};"
          f" acknowledged before it {({k: len(v) for k, v in before.items()})}, missing after"
          f" the restore {missing}")
    assert missing == dict.fromkeys(before, 0)
