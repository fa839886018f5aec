"""Memory and CPU of the platform's processes, for the requests and limits in deploy/k8s.

Two measurements, each sampling /proc every 0.5 s:

- idle: every process of services/catalog.py (workers, gRPC servers, pipelines) started
  in a namespace of its own and left alone for `--idle-seconds` after all are ready;
- load: each benchmark (`python -m bench.NAME`) run as it is, sampling the platform
  processes it starts (commune-worker, commune-grpc, commune-pipeline).

Per process it prints the peak resident memory (MB), CPU used over the whole run
(cores, averaged) and the peak CPU over one-second windows. The benchmarks use both cores
flat out, so the load figures are what a process takes when its path is saturated.

    .venv/bin/python -m bench.resources [--idle-seconds 30] [--bench events trace …]
"""
import argparse
import os
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field

from bench.harness import bench_namespace, progress
from services import catalog
from tests.helpers import Process, remove_namespace

TICKS = os.sysconf("SC_CLK_TCK")
PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20
COMMANDS = ("commune-worker", "commune-grpc", "commune-pipeline")
BENCHES = ("events", "tasks", "assistant", "trace", "kpi", "iocevents")


@dataclass
class Usage:
    peak_rss_mb: float = 0.0
    first: tuple[float, float] | None = None  # (time, cpu seconds) when first seen
    last: tuple[float, float] | None = None
    window: list[tuple[float, float]] = field(default_factory=list)
    peak_cores: float = 0.0

    def sample(self, now: float, cpu_s: float, rss_mb: float) -> None:
        self.peak_rss_mb = max(self.peak_rss_mb, rss_mb)
        self.first = self.first or (now, cpu_s)
        self.last = (now, cpu_s)
        # The CPU over the last second or a little more: from the newest sample at least
        # one second old.
        older = [(t, c) for t, c in self.window if now - t >= 1.0]
        if older:
            t0, c0 = older[-1]
            self.peak_cores = max(self.peak_cores, (cpu_s - c0) / (now - t0))
        self.window = [(t, c) for t, c in self.window if now - t < 3.0] + [(now, cpu_s)]

    def mean_cores(self) -> float:
        if not self.first or self.last[0] <= self.first[0]:
            return 0.0
        return (self.last[1] - self.first[1]) / (self.last[0] - self.first[0])


def _stat(pid: int) -> tuple[int, float, float] | None:
    """(parent pid, cpu seconds, resident MB) of a process, None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS, int(fields[21]) * PAGE_MB


def _platform_process(pid: int) -> str | None:
    """'commune-worker tasks' for a platform process, else None."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = f.read().split(b"\0")
    except OSError:
        return None
    for i, arg in enumerate(argv[:-1]):
        name = os.path.basename(arg.decode(errors="replace"))
        if name in COMMANDS:
            return f"{name} {argv[i + 1].decode()}"
    return None


def _descendants(root: int) -> list[int]:
    children = defaultdict(list)
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := _stat(int(entry))):
            children[stat[0]].append(int(entry))
    found, todo = [], [root]
    while todo:
        for child in children[todo.pop()]:
            found.append(child)
            todo.append(child)
    return found


def sample(root: int, usage: dict[str, Usage], until) -> None:
    while not until():
        now = time.monotonic()
        for pid in _descendants(root):
            name = _platform_process(pid)
            stat = _stat(pid)
            if name and stat:
                usage[name].sample(now, stat[1], stat[2])
        time.sleep(0.5)


def idle(seconds: float) -> dict[str, Usage]:
    usage: dict[str, Usage] = defaultdict(Usage)
    with bench_namespace() as (settings, cleanup):
        cleanup.callback(remove_namespace, settings)
        started = []
        for command, names in (("commune-worker", catalog.WORKERS),
                               ("commune-grpc", catalog.GRPC_SERVERS),
                               ("commune-pipeline", catalog.PIPELINES)):
            for name in names:
                process = Process(settings, command, name)
                cleanup.callback(process.stop)
                port = process.http_port if command == "commune-worker" else process.metrics_port
                path = "/health/ready" if command == "commune-worker" else "/metrics"
                started.append((process, f"http://127.0.0.1:{port}{path}"))
        for process, url in started:
            process.wait_ready(url, timeout=120)
        progress(f"idle: {len(started)} processes ready; sampling {seconds:.0f} s")
        deadline = time.monotonic() + seconds
        sample(os.getpid(), usage, lambda: time.monotonic() > deadline)
    return usage


def under_load(bench: str) -> dict[str, Usage]:
    usage: dict[str, Usage] = defaultdict(Usage)
    progress(f"load: python -m bench.{bench}")
    child = subprocess.Popen([sys.executable, "-m", f"bench.{bench}"],
                             stdout=subprocess.DEVNULL)
    sample(child.pid, usage, lambda: child.poll() is not None)
    return usage


def report(title: str, usage: dict[str, Usage]) -> None:
    print(f"\n{title}\n{'process':32} {'peak MB':>8} {'mean cores':>11} {'peak cores':>11}")
    for name in sorted(usage):
        u = usage[name]
        print(f"{name:32} {u.peak_rss_mb:8.0f} {u.mean_cores():11.2f} {u.peak_cores:11.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idle-seconds", type=float, default=30.0)
    parser.add_argument("--bench", nargs="*", default=list(BENCHES), choices=BENCHES)
    args = parser.parse_args()
    report("idle (every process, after start)", idle(args.idle_seconds))
    for bench in args.bench:
        report(f"under python -m bench.{bench}", under_load(bench))


if __name__ == "__main__":
    main()
