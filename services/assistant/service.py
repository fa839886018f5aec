"""The assistant nameko worker: its operations (app.py) over nameko RPC for the other
services and HTTP JSON for citizens and officers, the outbox relay, the retention of
answer traces and the check for handoff tickets no officer claimed in time."""
import datetime as dt

import eventlet
from nameko.timer import timer

from services.common import logs
from services.common.api.nameko_doors import doors
from services.common.clock import now
from services.common.nameko_ext.dependencies import EventPublisher, Observability, Storage
from services.common.nameko_ext.health import HealthEndpoints
from services.common.settings import get_settings

from .app import OPERATIONS, AssistantApp
from .domain import default_assistant
from .store import AssistantStore

log = logs.get_logger(__name__)

# The knowledge base and its index, built when the worker starts, not on a first question.
default_assistant()


class AssistantService(HealthEndpoints, doors(
        OPERATIONS, "Commune assistant API",
        public_limit=get_settings().assistant_rate_limit)):
    name = "assistant"

    store = Storage(AssistantStore)
    events = EventPublisher()
    observability = Observability()

    def use_cases(self) -> AssistantApp:
        return AssistantApp(self.store, self.events, default_assistant(),
                            get_settings().auth_secret.get_secret_value(),
                            defer=eventlet.spawn_n)

    @timer(interval=10)
    def relay_outbox(self):
        self.use_cases().relay()

    # eager: at start, then every check period (a worker restarted more often than the
    # period would otherwise never apply it).
    @timer(interval=get_settings().assistant_trace_retention_check_s, eager=True)
    def drop_old_traces(self):
        """Answer traces expire after the retention; FerretDB has no TTL index, so whole
        days are dropped."""
        retention = get_settings().assistant_trace_retention_days
        keep_from = now().date() - dt.timedelta(days=retention)
        dropped = self.store.drop_traces_before(keep_from)
        log.info("answer trace retention applied", retention_days=retention,
                 kept_from=keep_from.isoformat(), dropped=dropped)

    @timer(interval=get_settings().handoff_check_s)
    def announce_unclaimed_handoffs(self):
        self.use_cases().announce_unclaimed(
            dt.timedelta(seconds=get_settings().handoff_claim_within_s))
