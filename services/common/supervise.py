"""commune-supervise COMMAND [ARG...]: run one process of `make run` as Kubernetes would.

When the process dies it is started again, after a pause that doubles from 1 s up to
60 s while it keeps dying and falls back to 1 s after a run of a minute or more; the
process manager (honcho, which stops every process when one exits) never sees it go.
SIGTERM and SIGINT are passed on to the process and end the supervision: Ctrl-C and
honcho's stop still stop everything."""
import ctypes
import signal
import subprocess
import sys
import time

from . import logs

log = logs.get_logger(__name__)

FIRST_PAUSE_S = 1.0
LONGEST_PAUSE_S = 60.0
HEALTHY_RUN_S = 60.0
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
PR_SET_PDEATHSIG = 1


class Backoff:
    """The pause before the next start, given how long the last run lasted."""

    def __init__(self, first: float = FIRST_PAUSE_S, longest: float = LONGEST_PAUSE_S,
                 healthy_run: float = HEALTHY_RUN_S):
        self.first, self.longest, self.healthy_run = first, longest, healthy_run
        self._next = first

    def after(self, ran_for: float) -> float:
        if ran_for >= self.healthy_run:
            self._next = self.first
        pause, self._next = self._next, min(self._next * 2, self.longest)
        return pause


def _die_with_supervisor() -> None:
    """In the child: be killed when the supervisor dies (honcho ends with SIGKILL to the
    supervisor's process group, which the child, in a group of its own, is not in)."""
    if sys.platform == "linux":
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class Supervisor:
    def __init__(self, command: list[str], backoff: Backoff):
        self.command = command
        self.backoff = backoff
        self.child: subprocess.Popen | None = None
        self.stop_signal: int | None = None

    def _on_stop(self, signum, _frame) -> None:
        self.stop_signal = signum
        if self.child is not None:
            self.child.send_signal(signum)  # a no-op once it has exited

    def run(self) -> int:
        """Supervise until asked to stop; the process's last exit code."""
        for signum in STOP_SIGNALS:
            signal.signal(signum, self._on_stop)
        while True:
            started = time.monotonic()
            # A group of its own: a signal to honcho's process group reaches the child
            # once, through _on_stop, not twice.
            self.child = subprocess.Popen(self.command, process_group=0,
                                          preexec_fn=_die_with_supervisor)
            if self.stop_signal is not None:  # it came while the child was being made
                self.child.send_signal(self.stop_signal)
            code = self.child.wait()
            if self.stop_signal is not None:
                return code
            ran_for = time.monotonic() - started
            pause = self.backoff.after(ran_for)
            log.warning("process exited; restarting it", command=" ".join(self.command),
                        exit_code=code, ran_s=round(ran_for, 1), restart_in_s=pause)
            if not self._pause(pause):
                return code

    def _pause(self, seconds: float) -> bool:
        """Sleep, in short steps so that a stop is not kept waiting; False if stopped."""
        deadline = time.monotonic() + seconds
        while self.stop_signal is None and time.monotonic() < deadline:
            time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))
        return self.stop_signal is None


def main(argv: list[str] | None = None) -> None:
    command = sys.argv[1:] if argv is None else argv
    if not command:
        sys.exit("usage: commune-supervise COMMAND [ARG...]")
    logs.configure("supervise")
    try:
        code = Supervisor(command, Backoff()).run()
    except OSError as exc:  # not found, not executable: restarting cannot help
        sys.exit(f"commune-supervise: cannot start {command[0]}: {exc.strerror or exc}")
    sys.exit(code if code >= 0 else 128 - code)


if __name__ == "__main__":
    main()
