"""What a nameko service declares as attributes: its storage, its event publisher, the
caller's authorization, and the observability every worker gets."""
import datetime as dt
import time
import weakref

import eventlet
from nameko.extensions import DependencyProvider

from .. import idempotency, logs, metrics
from ..auth import Principal, principal_from_header
from ..errors import EXPECTED
from ..mongo import database_name, ensure_indexes, make_client
from ..publisher import Publisher
from ..settings import get_settings

log = logs.get_logger(__name__)


class Storage(DependencyProvider):
    """The service's store (a mongo.Store subclass) over its own database; one client per
    container, and one idempotency guard for its event handlers, writing through the
    store's write lane. Creates the store's indexes and the guard's at start."""

    def __init__(self, store_class):
        self.store_class = store_class

    def setup(self):
        settings = get_settings()
        self.client = make_client(settings)
        self.db = self.client[database_name(settings, self.container.service_name)]
        self.store = self.store_class(self.db)
        self.store.ensure_indexes()
        ensure_indexes(self.db, idempotency.INDEXES)
        self.guard = idempotency.EventGuard(self.db, self.store.lane)

    def start(self):
        self.container.spawn_managed_thread(self._prune_handled_events)

    def _prune_handled_events(self):
        """At start, then every prune period; a failure (the database away) is logged
        and tried again at the next period."""
        settings = get_settings()
        retention = dt.timedelta(days=settings.handled_events_retention_days)
        while True:
            try:
                pruned = self.guard.prune(dt.datetime.now(dt.UTC) - retention)
                log.info("handled events pruned", pruned=pruned,
                         retention_days=settings.handled_events_retention_days)
            except Exception:
                log.warning("handled events not pruned", exc_info=True)
            eventlet.sleep(settings.handled_events_prune_s)

    def stop(self):
        self.client.close()

    def get_dependency(self, worker_ctx):
        return self.store


class EventPublisher(DependencyProvider):
    """A Publisher shared by the container's workers."""

    def setup(self):
        settings = get_settings()
        self.publisher = Publisher(settings.amqp_uri, settings.namespace)

    def stop(self):
        self.publisher.close()

    def get_dependency(self, worker_ctx):
        return self.publisher


class _CallerCheck:
    def __init__(self, authorization: str | None):
        self._authorization = authorization

    def require(self, tenant: str, roles=None) -> Principal:
        """The caller's principal, if its token allows `tenant` (and one of `roles`)."""
        principal = principal_from_header(get_settings(), self._authorization)
        principal.require(tenant, roles)
        return principal


class Authorization(DependencyProvider):
    """The caller's bearer token, passed in the RPC context data as 'authorization'."""

    def get_dependency(self, worker_ctx):
        return _CallerCheck(worker_ctx.data.get("authorization"))


class Observability(DependencyProvider):
    """Binds the correlation id and tenant to each worker's logs and times every entry
    point into commune_<service>_request_seconds."""

    def setup(self):
        self.started = weakref.WeakKeyDictionary()
        self.latency = metrics.request_seconds(self.container.service_name)

    def worker_setup(self, worker_ctx):
        logs.bind(correlation_id=worker_ctx.data.get("correlation_id") or worker_ctx.call_id,
                  tenant=worker_ctx.data.get("tenant"),
                  entrypoint=worker_ctx.entrypoint.method_name)
        self.started[worker_ctx] = time.perf_counter()

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        elapsed = time.perf_counter() - self.started.pop(worker_ctx, time.perf_counter())
        expected = exc_info is not None and isinstance(exc_info[1], EXPECTED)
        outcome = "ok" if exc_info is None else ("rejected" if expected else "error")
        self.latency.labels(type(worker_ctx.entrypoint).__name__,
                            worker_ctx.entrypoint.method_name, outcome).observe(elapsed)
        if exc_info is not None and not expected:
            log.error("entrypoint failed", exc_info=exc_info)

    def worker_teardown(self, worker_ctx):
        logs.unbind("correlation_id", "tenant", "entrypoint")
