"""What every benchmark does the same way: a namespace of its own that is removed at the
end whatever happens (an error, Ctrl-C, SIGTERM), progress lines, percentiles."""
import contextlib
import math
import signal
import sys
import uuid

import kombu

from services.common.mongo import make_client
from services.common.readiness import NotReady, wait_until_ready
from services.common.settings import Settings
from tests.helpers import broker_exchanges, broker_queues


def progress(text: str) -> None:
    print(f"bench: {text}", file=sys.stderr, flush=True)


def percentile(values: list[float], p: float) -> float:
    """Nearest rank: a value that was observed (inf when that event was never done)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def remove_namespace(settings: Settings, queues=(), exchanges=()) -> None:
    """Drop the namespace's databases and delete its queues and exchanges: the
    platform's (as the tests list them) and the benchmark's own."""
    mongo = make_client(settings)
    try:
        for name in mongo.list_database_names():
            if name.startswith(f"{settings.namespace}_"):
                mongo.drop_database(name)
    finally:
        mongo.close()
    with kombu.Connection(settings.amqp_uri) as connection:
        channel = connection.channel()
        for queue in [*broker_queues(settings), *queues]:
            channel.queue_delete(queue)
        for exchange in [*broker_exchanges(settings), *exchanges]:
            channel.exchange_delete(exchange)


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
