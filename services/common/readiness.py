"""Is the broker reachable, is the database? One-line answers that name the fix."""
import time

import kombu
import pymongo
from pymongo.errors import PyMongoError

from . import logs
from .settings import Settings

log = logs.get_logger(__name__)
WAIT_REPORT_EVERY_S = 30.0


class NotReady(Exception):
    """A dependency cannot be reached; the message says which, where and what to do (for
    an operator: the log and the command line). `reason` names only the dependency, in
    our words, for answers to callers, which never see a library's text or an address."""

    def __init__(self, dependency: str, message: str):
        super().__init__(message)
        self.reason = f"{dependency} unreachable"


def _redact(uri: str) -> str:
    return kombu.utils.url.maybe_sanitize_url(uri)


def check_broker(settings: Settings, timeout: float = 3.0) -> None:
    try:
        with kombu.Connection(settings.amqp_uri, connect_timeout=timeout) as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout)
    except Exception as exc:  # any failure here means the same thing to an operator
        raise NotReady(
            "broker", f"RabbitMQ is not reachable at {_redact(settings.amqp_uri)} "
            f"({type(exc).__name__}: {exc}); start it with 'make infra' or set AMQP_URI"
        ) from None


def check_database(settings: Settings, timeout: float = 3.0) -> None:
    client = pymongo.MongoClient(settings.mongo_uri, serverSelectionTimeoutMS=int(timeout * 1000),
                                 connectTimeoutMS=int(timeout * 1000))
    try:
        client.admin.command("ping")
    except PyMongoError as exc:
        first_line = str(exc).split(",")[0].split("\n")[0]
        raise NotReady(
            "database", f"the database is not reachable at {_redact(settings.mongo_uri)} "
            f"({type(exc).__name__}: {first_line}); start it with 'make infra' or set MONGO_URI"
        ) from None
    finally:
        client.close()


def wait_until_ready(settings: Settings, timeout: float) -> None:
    """Retry both checks until they pass; NotReady once `timeout` seconds are up, or never
    when it is 0 (an outage is waited out, as make run's and Kubernetes' processes do),
    saying now and then what is still missing."""
    deadline = time.monotonic() + timeout if timeout > 0 else None
    next_report = time.monotonic()
    while True:
        try:
            check_broker(settings)
            check_database(settings)
            return
        except NotReady as exc:
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                raise
            if now >= next_report:
                log.warning("waiting for the broker and database", reason=str(exc))
                next_report = now + WAIT_REPORT_EVERY_S
            time.sleep(0.5)
