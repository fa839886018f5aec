"""The soak: the platform under a steady mixed load (the reliability suite's counted
workload: tasks, KPI figures approved, traceability events and assistant questions over
HTTP, detections from the camera simulator, and what they set off: kpi's and the IOC's
consumers, the tasks gRPC read model, the trace mirror) for `--minutes`,
every process's resident memory and the platform's queue depths sampled every minute and
printed as a table; at the end the reconciliation (nothing lost, nothing twice) and
memory's growth over the second half, which a leak would show.

    .venv/bin/python -m bench.soak [--minutes 30] [--rate 5]
"""
import argparse
import os
import time

import kombu

from bench.harness import bench_namespace, progress
from tests.helpers import broker_queues, remove_namespace
from tests.reliability.platform import COMMANDS, Platform, prepare
from tests.reliability.workload import Workload, reconcile

PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/statm") as f:
        return int(f.read().split()[1]) * PAGE_MB


def queue_depth(settings) -> int:
    """Messages waiting in all of the platform's queues (dead-letter queues included)."""
    total = 0
    with kombu.Connection(settings.amqp_uri) as connection:
        channel = connection.channel()
        for name in broker_queues(settings):
            try:
                total += channel.queue_declare(name, passive=True).message_count
            except kombu.exceptions.ChannelError:  # not declared: nothing waits in it
                channel = connection.channel()
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=int, default=30)
    parser.add_argument("--rate", type=float, default=5.0,
                        help="operations per second of each kind")
    args = parser.parse_args()
    with bench_namespace() as (settings, cleanup):
        cleanup.callback(remove_namespace, settings)
        prepare(settings)
        platform = Platform(settings, settings)
        cleanup.callback(platform.stop)
        for name in COMMANDS:
            platform.start(name, wait=False)
        platform.all_ready()
        progress(f"platform up; {args.minutes} min at {args.rate}/s of each kind")
        workload = Workload(settings, platform.processes, args.rate, prefix="soak").start()
        names = list(platform.processes)
        header = (f"{'min':>3} {'acked':>7} {'queued':>6} " +
                  " ".join(f"{n[:10]:>10}" for n in names) + "   (resident MB)")
        print(header, flush=True)
        rows = []
        started = time.monotonic()
        for minute in range(1, args.minutes + 1):
            time.sleep(max(0.0, started + 60 * minute - time.monotonic()))
            memory = [rss_mb(platform.processes[n].popen.pid) for n in names]
            rows.append(memory)
            print(f"{minute:>3} {workload.acknowledged():>7} {queue_depth(settings):>6} " +
                  " ".join(f"{m:>10.0f}" for m in memory), flush=True)
            if died := platform.died():
                progress(f"processes died: {died}")
                break
        workload.stop()
        result = reconcile(workload, settings)
        print(result.table("soak: the workload against the database"))
        half = rows[len(rows) // 2]
        print("memory growth over the second half (last / middle): " +
              ", ".join(f"{n} {last / mid:.2f}" for n, mid, last in zip(names, half, rows[-1],
                                                                         strict=True)))
        if result.problems():
            raise SystemExit(f"soak: {result.problems()}")


if __name__ == "__main__":
    main()
