"""The trace nameko worker: its operations (app.py) over nameko RPC and HTTP JSON, the
public resolver and pages (public.py), a batch's QR images and label sheet (labels.py),
and the timers that store counted scans, re-verify the chains and relay unsent events."""
import datetime as dt

from nameko.extensions import DependencyProvider
from nameko.timer import timer

from services.common import logs
from services.common.api.nameko_doors import doors
from services.common.nameko_ext.dependencies import EventPublisher, Observability, Storage
from services.common.nameko_ext.health import HealthEndpoints
from services.common.settings import get_settings

from . import labels
from .app import OPERATIONS, TraceApp
from .config import get_trace_settings, seal_of
from .ledger import Ledger
from .public import PAGES as PUBLIC_PAGES
from .public import PublicResolver
from .public_state import PublicStateProvider
from .store import TraceStore

log = logs.get_logger(__name__)


class SealProvider(DependencyProvider):
    """The service's seal, made as the worker starts: given the development key while
    listening beyond localhost, the worker does not start."""

    def setup(self):
        self.seal = seal_of(get_settings())

    def get_dependency(self, worker_ctx):
        return self.seal


class TraceService(HealthEndpoints, labels.BatchLabels, PublicResolver,
                   doors(OPERATIONS, "Commune traceability API", PUBLIC_PAGES + labels.PAGES)):
    name = "trace"

    store = Storage(TraceStore)
    events = EventPublisher()
    observability = Observability()
    public = PublicStateProvider()

    seal = SealProvider()

    def use_cases(self) -> TraceApp:
        return TraceApp(Ledger(self.store, self.events, self.seal), self.public)

    @timer(interval=get_trace_settings().scan_flush_s)
    def store_scans(self):
        self.use_cases().store_scans()

    @timer(interval=get_trace_settings().reverify_s)
    def reverify_chains(self):
        for changed in self.use_cases().reverify_chains():
            log.warning("a batch's verification changed", tenant=changed["tenant"],
                        batch=changed["batch"], intact=changed["intact"],
                        reason=changed["reason"])

    @timer(interval=get_trace_settings().relay_s)
    def relay_outbox(self):
        self.store.outbox.relay(self.events, dt.timedelta(seconds=get_trace_settings().relay_s))
