"""The platform's processes that the workload drives, started in one namespace: the
reliability scenarios' and the soak's."""
import signal
import subprocess
import time
from dataclasses import dataclass, field

from services import catalog, topology
from services.common.settings import Settings
from tests.helpers import Process

# Seeds the workload needs: the directory (kpi checks units), the tasks' units, the IOC
# registry and rules, the assistant's procedures, the trace demo's batches.
SEEDS = ("directory", "tasks", "assistant", "iocevents", "trace")


def prepare(settings: Settings) -> None:
    """The topology and the demo data the workload needs, as `make run` does first."""
    topology.declare(settings)
    for name in SEEDS:
        module, _, function = catalog.DEMO_SEEDS[name].partition(":")
        getattr(__import__(module, fromlist=[function]), function)(settings)


# How each process is started and known to be ready.
COMMANDS = {
    "tasks": ("commune-worker", "tasks", {"COMMUNE_OVERDUE_CHECK_S": 5}),
    "kpi": ("commune-worker", "kpi", {}),
    "assistant": ("commune-worker", "assistant",
                  {"COMMUNE_ASSISTANT_RATE_LIMIT": "100000/minute"}),
    "iocevents": ("commune-worker", "iocevents", {}),
    "trace": ("commune-worker", "trace", {}),
    "tasks-grpc": ("commune-grpc", "tasks", {}),
    "pipeline": ("commune-pipeline", "iocevents", {"COMMUNE_IOC_FLUSH_S": 0.5}),
}


STOP_S = 3.0


def ready_url(name: str, process: Process) -> str:
    if COMMANDS[name][0] == "commune-worker":
        return f"http://127.0.0.1:{process.http_port}/health/ready"
    return f"http://127.0.0.1:{process.metrics_port}/metrics"


@dataclass
class Platform:
    settings: Settings  # what the processes use (through toxiproxy in the suite)
    direct: Settings  # the same servers without toxiproxy: the checks' own reads
    processes: dict[str, Process] = field(default_factory=dict)

    def start(self, name: str, wait: bool = True) -> Process:
        command, service, env = COMMANDS[name]
        process = Process(self.settings, command, service, COMMUNE_STARTUP_TIMEOUT_S=0,
                          **env)
        self.processes[name] = process
        if wait:
            process.wait_ready(ready_url(name, process))
        return process

    def kill(self, name: str) -> None:
        """kill -9: no shutdown, no ack, no flush."""
        process = self.processes[name]
        process.popen.send_signal(signal.SIGKILL)
        process.popen.wait()
        process.log.close()

    def all_ready(self) -> None:
        for name, process in self.processes.items():
            process.wait_ready(ready_url(name, process))

    def died(self) -> list[str]:
        """The processes that died (a fault must be waited out, not turned into a crash)."""
        return [name for name, p in self.processes.items() if p.popen.poll() is not None]

    def stop(self) -> None:
        """All of them told at once; what has not exited within STOP_S is killed (its
        namespace is thrown away: nothing waits for a clean close)."""
        running = [p for p in self.processes.values() if p.popen.poll() is None]
        for process in running:
            process.popen.terminate()
        deadline = time.monotonic() + STOP_S
        for process in running:
            try:
                process.popen.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.popen.kill()
                process.popen.wait()
        for process in self.processes.values():
            process.stop()  # closes its log


