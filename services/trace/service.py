"""The trace nameko service: RPC for other services, HTTP JSON for the web UI
(http_api.py), the public resolver and pages (public.py), and the timers that store
counted scans and relay unsent events. The work itself is in the ledger."""
import datetime as dt
import io

import segno
from nameko.extensions import DependencyProvider
from nameko.timer import timer

from services.common import logs, metrics
from services.common.errors import EXPECTED, InvalidArgument
from services.common.nameko_ext.dependencies import (
    Authorization,
    EventPublisher,
    Observability,
    Storage,
)
from services.common.nameko_ext.health import HealthEndpoints
from services.common.nameko_ext.rpc import rpc
from services.common.settings import get_settings

from . import domain, gs1, page
from .config import get_trace_settings, seal_of
from .http_api import TraceHttpApi
from .ledger import Ledger, batch_view
from .public import PublicResolver
from .public_state import PublicStateProvider
from .store import TraceStore

MAX_LABELS = 60
log = logs.get_logger(__name__)

events_recorded = metrics.counter("trace", "events_recorded_total",
                                  "EPCIS events appended to batch chains, by business step",
                                  ("step",))
verification_failures = metrics.counter("trace", "verification_failures_total",
                                        "Batch verifications that found a broken chain")


class SealProvider(DependencyProvider):
    """The service's seal, made as the worker starts: given the development key while
    listening beyond localhost, the worker does not start."""

    def setup(self):
        self.seal = seal_of(get_settings())

    def get_dependency(self, worker_ctx):
        return self.seal


class TraceService(HealthEndpoints, TraceHttpApi, PublicResolver):
    name = "trace"

    store = Storage(TraceStore)
    events = EventPublisher()
    auth = Authorization()
    observability = Observability()
    public = PublicStateProvider()

    seal = SealProvider()

    @property
    def ledger(self) -> Ledger:
        return Ledger(self.store, self.events, self.seal)

    # --- RPC ---------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def save_producer(self, tenant, producer):
        self.auth.require(tenant, domain.WRITERS)
        return self.ledger.save_producer(tenant, producer)

    @rpc(expected_exceptions=EXPECTED)
    def save_area(self, tenant, area):
        self.auth.require(tenant, domain.WRITERS)
        return self.ledger.save_area(tenant, area)

    @rpc(expected_exceptions=EXPECTED)
    def list_producers(self, tenant):
        self.auth.require(tenant, domain.READERS)
        return self._registry(tenant, "producers")

    @rpc(expected_exceptions=EXPECTED)
    def list_areas(self, tenant):
        self.auth.require(tenant, domain.READERS)
        return self._registry(tenant, "areas")

    @rpc(expected_exceptions=EXPECTED)
    def list_batches(self, tenant):
        self.auth.require(tenant, domain.READERS)
        return self._batches(tenant)

    @rpc(expected_exceptions=EXPECTED)
    def save_product(self, tenant, product):
        self.auth.require(tenant, domain.WRITERS)
        return self._save_product(tenant, product)

    @rpc(expected_exceptions=EXPECTED)
    def get_product(self, tenant, gtin):
        self.auth.require(tenant, domain.READERS)
        return self.ledger.product(tenant, gtin)

    @rpc(expected_exceptions=EXPECTED)
    def list_products(self, tenant, page_token="", page_size=0):
        self.auth.require(tenant, domain.READERS)
        return self._list_products(tenant, page_token, page_size)

    @rpc(expected_exceptions=EXPECTED)
    def create_batch(self, tenant, batch):
        return self._create_batch(tenant, batch,
                                  self.auth.require(tenant, domain.WRITERS).subject)

    @rpc(expected_exceptions=EXPECTED)
    def record_event(self, tenant, event):
        return self._record(tenant, event, self.auth.require(tenant, domain.WRITERS).subject)

    @rpc(expected_exceptions=EXPECTED)
    def capture_epcis(self, tenant, document):
        return self._capture(tenant, document,
                             self.auth.require(tenant, domain.WRITERS).subject)

    @rpc(expected_exceptions=EXPECTED)
    def export_epcis(self, tenant, gtin, lot):
        self.auth.require(tenant, domain.READERS)
        return self.ledger.export(tenant, self.ledger.batch_id(gtin, lot))

    @rpc(expected_exceptions=EXPECTED)
    def get_provenance(self, tenant, gtin, lot):
        self.auth.require(tenant, domain.READERS)
        return self._provenance(tenant, gtin, lot)

    @rpc(expected_exceptions=EXPECTED)
    def verify_batch(self, tenant, gtin, lot):
        self.auth.require(tenant, domain.READERS)
        return self._verify(tenant, self.ledger.batch_id(gtin, lot))

    @rpc(expected_exceptions=EXPECTED)
    def scan_report(self, tenant, gtin, lot):
        self.auth.require(tenant, domain.READERS)
        return self.ledger.scan_report(tenant, self.ledger.batch_id(gtin, lot))

    # --- timers ------------------------------------------------------------------------

    @timer(interval=get_trace_settings().scan_flush_s)
    def store_scans(self):
        counts = self.public.scans.take()
        if not counts:
            return
        try:
            self.ledger.add_scans(counts)
        except Exception:
            self.public.scans.give_back(counts)  # kept for the next flush, then raised
            raise

    @timer(interval=get_trace_settings().reverify_s)
    def reverify_chains(self):
        for changed in self.ledger.reverify():
            self.public.refresh(changed["batch"])
            if not changed["intact"]:
                verification_failures.inc()
            log.warning("a batch's verification changed", tenant=changed["tenant"],
                        batch=changed["batch"], intact=changed["intact"],
                        reason=changed["reason"])

    @timer(interval=get_trace_settings().relay_s)
    def relay_outbox(self):
        self.store.relay(self.events, dt.timedelta(seconds=get_trace_settings().relay_s))

    # --- operations --------------------------------------------------------------------

    def _public_base(self, request=None) -> str:
        configured = get_trace_settings().public_base
        return configured or (request.host_url if request is not None else "")

    def _registry(self, tenant, kind: str) -> list[dict]:
        return [{k: v for k, v in row.items() if k not in ("_id", "tenant")}
                for row in self.store.registry_list(kind, tenant)]

    def _batches(self, tenant) -> list[dict]:
        return [batch_view(b) for b in self.store.batches(tenant)]

    def _save_product(self, tenant, fields) -> dict:
        saved = self.ledger.save_product(tenant, fields)
        self.public.pages.invalidate(saved["gtin"])
        return saved

    def _list_products(self, tenant, page_token, page_size) -> dict:
        products, next_token = self.ledger.products(tenant, page_token, page_size)
        return {"products": products, "nextPageToken": next_token}

    def _create_batch(self, tenant, fields, by: str) -> dict:
        created = self.ledger.create_batch(tenant, fields, by)
        self.public.refresh(created["id"])
        return created

    def _record(self, tenant, fields, by: str) -> list[dict]:
        return self._after_append(self.ledger.record(tenant, fields, by))

    def _capture(self, tenant, document, by: str) -> dict:
        results = self._after_append(self.ledger.capture(tenant, document, by))
        return {"captured": sum(not r["duplicate"] for r in results),
                "duplicates": sum(r["duplicate"] for r in results), "events": results}

    def _after_append(self, results: list[dict]) -> list[dict]:
        for result in results:
            for batch in result["batches"]:
                self.public.refresh(batch)
            if not result["duplicate"]:
                events_recorded.labels(result["step"]).inc()
        return results

    def _provenance(self, tenant, gtin, lot) -> dict:
        snapshot = self.ledger.provenance(self.ledger.batch_id(gtin, lot), tenant)
        return {k: v for k, v in snapshot.items() if k not in ("_id", "updated_at")}

    def _verify(self, tenant, batch: str) -> dict:
        result = self.ledger.verify(tenant, batch)
        if not result["intact"]:
            verification_failures.inc()
        self.public.refresh(batch)
        return result

    def _qr_image(self, request, tenant, gtin, lot, kind) -> tuple[bytes, str]:
        if kind not in ("svg", "png"):
            raise InvalidArgument("a QR image is qr.svg or qr.png", {"kind": "unknown"})
        batch = self.store.batch(self.ledger.batch_id(gtin, lot), tenant)
        qr = segno.make(self._batch_uri(batch, request), error="m")
        out = io.BytesIO()
        qr.save(out, kind=kind, scale=8 if kind == "png" else 4, border=2)
        return out.getvalue(), "image/svg+xml" if kind == "svg" else "image/png"

    def _labels(self, request, tenant, gtin, lot, copies) -> bytes:
        count = int(copies) if str(copies).isdecimal() else 0
        if not 1 <= count <= MAX_LABELS:
            raise InvalidArgument(f"copies must be 1 to {MAX_LABELS}",
                                  {"copies": "out of range"})
        snapshot = self.ledger.provenance(self.ledger.batch_id(gtin, lot), tenant)
        batch = self.store.batch(snapshot["_id"], tenant)
        uri = self._batch_uri(batch, request)
        svg = segno.make(uri, error="m").svg_inline(scale=3, border=2, omitsize=True)
        return page.label_sheet(snapshot, svg, uri, count).encode()

    def _batch_uri(self, batch: dict, request=None) -> str:
        return gs1.DigitalLink(batch["gtin"], batch["lot"]).uri(self._public_base(request))
