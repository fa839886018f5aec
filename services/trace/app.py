"""The trace use cases and their table of operations. Each use case takes the caller and
its request model, runs the ledger (ledger.py: the registry, batches, the events against
each batch's chain, verification, export) and answers a response model; in the worker it
also refreshes the public pages (public_state.py) the change shows on. Every door (nameko
RPC and HTTP in service.py, gRPC in grpc_api.py) runs them through OPERATIONS, which says
who may do what; nothing else checks roles. The public phone pages (public.py) need no
caller and answer HTML, not JSON: they are no operations."""
from typing import TYPE_CHECKING

from services.common import metrics
from services.common.api.operations import Operation, Operations, Route
from services.common.auth import Principal

from . import domain
from . import schemas as s
from .ledger import Ledger, batch_view

if TYPE_CHECKING:  # the worker's; the gRPC process imports no nameko
    from .public_state import PublicState

events_recorded = metrics.counter("trace", "events_recorded_total",
                                  "EPCIS events appended to batch chains, by business step",
                                  ("step",))
verification_failures = metrics.counter("trace", "verification_failures_total",
                                        "Batch verifications that found a broken chain")


class TraceApp:
    """`public` is the worker's in-memory state of the public pages; None where there are
    none (the gRPC process): those pages follow the trace events there."""

    def __init__(self, ledger: Ledger, public: "PublicState | None" = None):
        self.ledger = ledger
        self.public = public

    # --- registry ----------------------------------------------------------------------

    def save_producer(self, principal: Principal, request: s.SaveProducerRequest) -> s.Producer:
        saved = self.ledger.save_producer(request.tenant, request.model_dump(exclude={"tenant"}))
        return s.Producer.model_validate(saved)

    def list_producers(self, principal: Principal,
                       request: s.ListProducersRequest) -> s.ListProducersResponse:
        rows = self.ledger.store.registry_list("producers", request.tenant)
        return s.ListProducersResponse(producers=[s.Producer.model_validate(r) for r in rows])

    def save_area(self, principal: Principal, request: s.SaveAreaRequest) -> s.Area:
        saved = self.ledger.save_area(request.tenant, request.model_dump(exclude={"tenant"}))
        return s.Area.model_validate(saved)

    def list_areas(self, principal: Principal, request: s.ListAreasRequest) -> s.ListAreasResponse:
        rows = self.ledger.store.registry_list("areas", request.tenant)
        return s.ListAreasResponse(areas=[s.Area.model_validate(r) for r in rows])

    def save_product(self, principal: Principal, request: s.SaveProductRequest) -> s.Product:
        saved = self.ledger.save_product(request.tenant,
                                         request.model_dump(mode="json", exclude={"tenant"}))
        if self.public is not None:
            self.public.pages.invalidate(saved["gtin"])
        return s.Product.model_validate(saved)

    def get_product(self, principal: Principal,
                    request: s.GetProductRequest) -> s.GetProductResponse:
        product = self.ledger.product(request.tenant, request.gtin)
        producer = self.ledger.store.registry("producers", request.tenant, product["producer"])
        return s.GetProductResponse(product=s.Product.model_validate(product),
                                    producer=s.Producer.model_validate(producer))

    def list_products(self, principal: Principal,
                      request: s.ListProductsRequest) -> s.ListProductsResponse:
        products, next_token = self.ledger.products(request.tenant, request.page_token,
                                                    request.page_size)
        return s.ListProductsResponse(products=[s.Product.model_validate(p) for p in products],
                                      next_page_token=next_token)

    # --- batches and their events ------------------------------------------------------

    def create_batch(self, principal: Principal, request: s.CreateBatchRequest) -> s.Batch:
        created = self.ledger.create_batch(request.tenant, request.model_dump(exclude={"tenant"}),
                                           principal.subject)
        self._refresh(created["id"])
        return _batch(created)

    def list_batches(self, principal: Principal,
                     request: s.ListBatchesRequest) -> s.ListBatchesResponse:
        return s.ListBatchesResponse(batches=[_batch(batch_view(b))
                                              for b in self.ledger.store.batches(request.tenant)])

    def record_event(self, principal: Principal,
                     request: s.RecordEventRequest) -> s.RecordedEvent:
        fields = request.model_dump(exclude={"tenant"}, exclude_none=True)
        (result,) = self._appended(self.ledger.record(request.tenant, fields,
                                                      principal.subject))
        return result

    def capture_epcis(self, principal: Principal,
                      request: s.CaptureEpcisRequest) -> s.CaptureEpcisResponse:
        results = self._appended(self.ledger.capture(request.tenant, request.document(),
                                                     principal.subject))
        return s.CaptureEpcisResponse(captured=sum(not r.duplicate for r in results),
                                      duplicates=sum(r.duplicate for r in results),
                                      events=results)

    def _appended(self, results: list[dict]) -> list[s.RecordedEvent]:
        for result in results:
            for batch in result["batches"]:
                self._refresh(batch)
            if not result["duplicate"]:
                events_recorded.labels(result["step"]).inc()
        return [s.RecordedEvent.model_validate({**r, "event_id": r["eventID"]})
                for r in results]

    # --- a batch's provenance, verification, export and scans -------------------------

    def get_batch_provenance(self, principal: Principal, request: s.GetBatchProvenanceRequest
                             ) -> s.GetBatchProvenanceResponse:
        snapshot = self.ledger.provenance(self.ledger.batch_id(request.gtin, request.lot),
                                          request.tenant)
        return s.GetBatchProvenanceResponse(
            batch=_batch({**snapshot["batch"], "seq": snapshot["seq"]}),
            product=s.Product.model_validate(snapshot["product"]),
            producer=s.Producer.model_validate(snapshot["producer"]),
            area=s.Area.model_validate(snapshot["area"]) if snapshot.get("area") else None,
            timeline=[s.TimelineEntry.model_validate(t) for t in snapshot["timeline"]],
            back=[b["id"] for b in snapshot["back"]],
            forward=[f["id"] for f in snapshot["forward"]],
            verification=s.Verification.model_validate(snapshot["verification"]))

    def verify_batch(self, principal: Principal,
                     request: s.VerifyBatchRequest) -> s.VerifyBatchResponse:
        batch = self.ledger.batch_id(request.gtin, request.lot)
        result = self.ledger.verify(request.tenant, batch)
        if not result["intact"]:
            verification_failures.inc()
        self._refresh(batch)
        return s.VerifyBatchResponse(verification=s.Verification.model_validate(result))

    def export_epcis(self, principal: Principal,
                     request: s.ExportEpcisRequest) -> s.EpcisDocument:
        return s.EpcisDocument.model_validate(self.ledger.export(
            request.tenant, self.ledger.batch_id(request.gtin, request.lot)))

    def get_scan_report(self, principal: Principal,
                        request: s.GetScanReportRequest) -> s.ScanReport:
        return s.ScanReport.model_validate(self.ledger.scan_report(
            request.tenant, self.ledger.batch_id(request.gtin, request.lot)))

    # --- the worker's timers (no caller) -----------------------------------------------

    def store_scans(self) -> None:
        """Store the scans the public pages counted since the last time."""
        counts = self.public.scans.take()
        if not counts:
            return
        try:
            self.ledger.add_scans(counts)
        except Exception:
            self.public.scans.give_back(counts)  # kept for the next flush, then raised
            raise

    def reverify_chains(self) -> list[dict]:
        """Verify every batch; the results that changed, each shown on its page."""
        changed = self.ledger.reverify()
        for result in changed:
            self._refresh(result["batch"])
            if not result["intact"]:
                verification_failures.inc()
        return changed

    def _refresh(self, batch: str) -> None:
        if self.public is not None:
            self.public.refresh(batch)


def _batch(view: dict) -> s.Batch:
    """A batch as the contract gives it, from the ledger's view of its document."""
    return s.Batch.model_validate({
        **view, "area": view.get("area") or "", "expires_on": view.get("expires_on") or "",
        "event_count": view.get("seq", 0), "create_time": view.get("created_at")})


BASE = "/api/v1/communes/{tenant}/trace"
BATCH = BASE + "/batches/{gtin}/{lot}"
TENANT, GTIN, LOT = "binh-lu", "8939999000093", "MD-2026-02"
WRITERS, READERS = domain.WRITERS, domain.READERS
EXAMPLE_PRODUCER, EXAMPLE_AREA = "htx-mien-dong", "vung-dong-tan-binh"


def _batch_route(method: str, suffix: str = "", status: int = 200) -> Route:
    return Route(method, BATCH + suffix, status, slashes=("lot",))  # a lot may hold '/'


def _example_document() -> dict:
    """A capture document with one inspection of the example batch (a fixed eventID: sent
    twice, it is stored once)."""
    return {"@context": ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"],
            "type": "EPCISDocument", "schemaVersion": "2.0",
            "creationDate": "2026-01-25T08:00:00Z", "epcisBody": {"eventList": [{
                "type": "ObjectEvent", "action": "OBSERVE",
                "eventID": "urn:uuid:3f6c1a2e-8d4b-4c1e-9a7f-0e5d2b6c8a41",
                "eventTime": "2026-01-25T09:00:00+07:00", "eventTimeZoneOffset": "+07:00",
                "bizStep": "inspecting",
                "readPoint": {"id": f"urn:commune:{TENANT}:producer:{EXAMPLE_PRODUCER}"},
                "quantityList": [{"epcClass": f"https://id.gs1.org/01/0{GTIN}/10/{LOT}"}]}]}}


OPERATIONS = Operations(
    "trace",
    Operation("save_producer", "Add or change a producer", s.SaveProducerRequest,
              s.Producer, WRITERS, Route("PUT", BASE + "/producers"),
              example={"tenant": TENANT, "code": EXAMPLE_PRODUCER,
                       "name": "Hợp tác xã miến dong Bình Lư", "kind": "cooperative",
                       "village": "Tân Bình", "address": "Bản Tân Bình, xã Bình Lư"}),
    Operation("list_producers", "The commune's producers", s.ListProducersRequest,
              s.ListProducersResponse, READERS, Route("GET", BASE + "/producers"),
              example={"tenant": TENANT}),
    Operation("save_area", "Add or change a raw-material area", s.SaveAreaRequest, s.Area,
              WRITERS, Route("PUT", BASE + "/areas"),
              example={"tenant": TENANT, "code": EXAMPLE_AREA,
                       "name": "Vùng nguyên liệu dong riềng bản Tân Bình",
                       "village": "Tân Bình", "crop": "Dong riềng", "areaHa": 12.5,
                       "location": {"type": "Point", "coordinates": [103.62, 22.40]}}),
    Operation("list_areas", "The commune's raw-material areas", s.ListAreasRequest,
              s.ListAreasResponse, READERS, Route("GET", BASE + "/areas"),
              example={"tenant": TENANT}),
    Operation("save_product", "Add or change a product (its GTIN is the commune's alone)",
              s.SaveProductRequest, s.Product, WRITERS, Route("PUT", BASE + "/products"),
              example={"tenant": TENANT, "gtin": GTIN, "nameVi": "Miến dong Bình Lư 200 g",
                       "nameEn": "Bình Lư arrowroot vermicelli 200 g", "category": "Đặc sản",
                       "producer": EXAMPLE_PRODUCER, "shelfLifeDays": 365, "demo": True,
                       "certifications": [{"kind": "ocop", "label": "OCOP 3 sao", "stars": 3,
                                           "validFrom": "2025-06-01"}]}),
    Operation("list_products", "A page of the commune's products", s.ListProductsRequest,
              s.ListProductsResponse, READERS, Route("GET", BASE + "/products"),
              grpc="ListProducts", example={"tenant": TENANT, "pageSize": 20}),
    Operation("get_product", "A product and its producer", s.GetProductRequest,
              s.GetProductResponse, READERS, Route("GET", BASE + "/products/{gtin}"),
              grpc="GetProduct", example={"tenant": TENANT, "gtin": GTIN}),
    Operation("create_batch", "Create a batch of a product", s.CreateBatchRequest, s.Batch,
              WRITERS, Route("POST", BASE + "/batches", 201),
              example={"tenant": TENANT, "gtin": GTIN, "lot": LOT,
                       "producer": EXAMPLE_PRODUCER, "area": EXAMPLE_AREA,
                       "producedOn": "2026-01-20", "quantity": 1000, "unit": "gói"}),
    Operation("list_batches", "The commune's batches", s.ListBatchesRequest,
              s.ListBatchesResponse, READERS, Route("GET", BASE + "/batches"),
              example={"tenant": TENANT}),
    Operation("record_event", "Record one event of a batch, typed in the short form",
              s.RecordEventRequest, s.RecordedEvent, WRITERS,
              Route("POST", BASE + "/events", 201),
              example={"tenant": TENANT, "step": "inspecting",
                       "where": f"producer:{EXAMPLE_PRODUCER}",
                       "when": "2026-01-24T08:00:00+07:00", "batch": {"gtin": GTIN, "lot": LOT},
                       "eventId": "urn:uuid:9d1e4f7a-2b3c-4d5e-8f60-7a1b2c3d4e5f"}),
    Operation("capture_epcis", "Capture an EPCIS 2.0 document: all its events or none",
              s.CaptureEpcisRequest, s.CaptureEpcisResponse, WRITERS,
              Route("POST", BASE + "/capture", 202),
              example={"tenant": TENANT, **_example_document()}),
    Operation("get_batch_provenance", "A batch's provenance", s.GetBatchProvenanceRequest,
              s.GetBatchProvenanceResponse, READERS, _batch_route("GET"),
              grpc="GetBatchProvenance", example={"tenant": TENANT, "gtin": GTIN, "lot": LOT}),
    Operation("export_epcis", "A batch's events as an EPCIS 2.0 JSON-LD document",
              s.ExportEpcisRequest, s.EpcisDocument, READERS, _batch_route("GET", "/epcis"),
              example={"tenant": TENANT, "gtin": GTIN, "lot": LOT}),
    Operation("verify_batch", "Verify a batch's hash chain (the result shows on its page)",
              s.VerifyBatchRequest, s.VerifyBatchResponse, READERS,
              _batch_route("POST", "/verify"), grpc="VerifyBatch",
              example={"tenant": TENANT, "gtin": GTIN, "lot": LOT}),
    Operation("get_scan_report", "A batch's page views per day and origin, and "
              "counterfeit flags", s.GetScanReportRequest, s.ScanReport, READERS,
              _batch_route("GET", "/scans"),
              example={"tenant": TENANT, "gtin": GTIN, "lot": LOT}),
)
