"""The assistant nameko worker: its operations (app.py) over nameko RPC for the other
services and HTTP JSON for citizens and officers, the outbox relay and the check for
handoff tickets no officer claimed in time."""
import datetime as dt

import eventlet
from nameko.timer import timer

from services.common.api.nameko_doors import doors
from services.common.nameko_ext.dependencies import EventPublisher, Observability, Storage
from services.common.nameko_ext.health import HealthEndpoints
from services.common.settings import get_settings

from .app import OPERATIONS, AssistantApp
from .domain import default_assistant
from .store import AssistantStore

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

    @timer(interval=get_settings().handoff_check_s)
    def announce_unclaimed_handoffs(self):
        self.use_cases().announce_unclaimed(
            dt.timedelta(seconds=get_settings().handoff_claim_within_s))
