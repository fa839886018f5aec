"""The assistant nameko service: RPC for the other services, HTTP JSON for citizens and
officers (http_api.py), and the outbox relay. The operations live in desk.py."""
import eventlet
from nameko.timer import timer

from services.common.errors import EXPECTED
from services.common.nameko_ext.dependencies import (
    Authorization,
    EventPublisher,
    Observability,
    Storage,
)
from services.common.nameko_ext.health import HealthEndpoints
from services.common.nameko_ext.rpc import rpc
from services.common.settings import get_settings

from .desk import Desk
from .domain import default_assistant
from .http_api import OFFICERS, AssistantHttpApi
from .store import AssistantStore

# The knowledge base and its index, built when the worker starts, not on a first question.
default_assistant()


class AssistantService(HealthEndpoints, AssistantHttpApi):
    name = "assistant"

    store = Storage(AssistantStore)
    events = EventPublisher()
    auth = Authorization()
    observability = Observability()

    @property
    def desk(self) -> Desk:
        return Desk(self.store, self.events, default_assistant(),
                    get_settings().auth_secret.get_secret_value(), defer=eventlet.spawn_n)

    @rpc(expected_exceptions=EXPECTED)
    def ask(self, tenant, question):
        return self.desk.ask(tenant, question)

    @rpc(expected_exceptions=EXPECTED)
    def feedback(self, tenant, feedback):
        return self.desk.feedback(tenant, feedback)

    @rpc(expected_exceptions=EXPECTED)
    def handoff(self, tenant, handoff):
        return self.desk.handoff(tenant, handoff)

    @rpc(expected_exceptions=EXPECTED)
    def check_dossier(self, tenant, dossier):
        self.auth.require(tenant, OFFICERS)
        return self.desk.check_dossier(tenant, dossier)

    @timer(interval=10)
    def relay_outbox(self):
        self.desk.relay()
