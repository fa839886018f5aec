"""What every benchmark does the same way: a namespace of its own that is removed at the
end whatever happens (an error, Ctrl-C, SIGTERM), progress lines, percentiles."""
import contextlib
import math
import signal
import sys
import uuid

from services.common.readiness import NotReady, wait_until_ready
from services.common.settings import Settings


def progress(text: str) -> None:
    print(f"bench: {text}", file=sys.stderr, flush=True)


def percentile(values: list[float], p: float) -> float:
    """Nearest rank: a value that was observed (inf when that event was never done)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


@contextlib.contextmanager
def bench_namespace():
    """Settings of a fresh namespace, and an ExitStack on which to register what to undo
    (processes to stop, remove_namespace); it is undone in reverse on any exit."""
    # A terminated run cleans up as an interrupted one does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    settings = Settings(namespace=f"bench{uuid.uuid4().hex[:10]}")
    try:
        wait_until_ready(settings, timeout=10)
    except NotReady as exc:
        sys.exit(f"bench: {exc}")
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(progress, f"namespace {settings.namespace} removed")
        yield settings, cleanup
