"""commune.v1.TraceService for province integrations (runs in commune-grpc, no eventlet):
the product registry, a batch's provenance, and verification of its hash chain."""
import grpc

from commune.v1 import trace_pb2, trace_pb2_grpc
from services.common.errors import require_fields
from services.common.grpc_ext.interceptors import current_principal
from services.common.mongo import database_name, make_client
from services.common.publisher import Publisher
from services.common.settings import Settings

from . import domain, epcis
from .config import seal_of
from .ledger import Ledger
from .store import TraceStore

# A snapshot made before the sealed head lacks its fields: they read as unset (None).
VERIFICATION_FIELDS = [f.name for f in trace_pb2.Verification.DESCRIPTOR.fields]


def _product(view: dict) -> trace_pb2.Product:
    return trace_pb2.Product(
        gtin=view["gtin"], tenant=view.get("tenant", ""), name_vi=view["name_vi"],
        name_en=view["name_en"], category=view["category"], producer=view["producer"],
        description_vi=view.get("description_vi", ""),
        description_en=view.get("description_en", ""),
        internal_code=view.get("internal_code", ""),
        shelf_life_days=view.get("shelf_life_days") or 0, demo=view.get("demo", False),
        certifications=[trace_pb2.Certification(
            kind=c["kind"], label=c["label"], issuer=c.get("issuer", ""),
            number=c.get("number", ""), stars=c.get("stars") or 0, valid_from=c["valid_from"],
            valid_until=c.get("valid_until") or "", status=c["status"])
            for c in view.get("certifications", [])])


def _producer(producer: dict) -> trace_pb2.Producer:
    return trace_pb2.Producer(**{k: producer.get(k, "") for k in
                                 ("code", "name", "kind", "village", "address")})


def _verification(result: dict) -> trace_pb2.Verification:
    return trace_pb2.Verification(**{k: result.get(k) for k in VERIFICATION_FIELDS})


class TraceServicer(trace_pb2_grpc.TraceServiceServicer):
    def __init__(self, ledger: Ledger):
        self.ledger = ledger

    def ListProducts(self, request: trace_pb2.ListProductsRequest, context):
        require_fields(request, "tenant")
        current_principal().require(request.tenant, domain.READERS)
        products, next_token = self.ledger.products(request.tenant, request.page_token,
                                                    request.page_size)
        return trace_pb2.ListProductsResponse(products=[_product(p) for p in products],
                                              next_page_token=next_token)

    def GetProduct(self, request: trace_pb2.GetProductRequest, context):
        require_fields(request, "tenant", "gtin")
        current_principal().require(request.tenant, domain.READERS)
        product = self.ledger.product(request.tenant, request.gtin)
        producer = self.ledger.store.registry("producers", request.tenant, product["producer"])
        return trace_pb2.GetProductResponse(product=_product(product),
                                            producer=_producer(producer))

    def GetBatchProvenance(self, request: trace_pb2.GetBatchProvenanceRequest, context):
        require_fields(request, "tenant", "gtin", "lot")
        current_principal().require(request.tenant, domain.READERS)
        snapshot = self.ledger.provenance(self.ledger.batch_id(request.gtin, request.lot),
                                          request.tenant)
        batch, area = snapshot["batch"], snapshot.get("area")
        response = trace_pb2.GetBatchProvenanceResponse(
            batch=trace_pb2.Batch(
                id=batch["id"], tenant=batch["tenant"], gtin=batch["gtin"], lot=batch["lot"],
                producer=batch["producer"], area=batch.get("area") or "",
                produced_on=batch["produced_on"], expires_on=batch.get("expires_on") or "",
                quantity=batch["quantity"], unit=batch["unit"], event_count=snapshot["seq"]),
            product=_product(snapshot["product"]), producer=_producer(snapshot["producer"]),
            back=[b["id"] for b in snapshot["back"]],
            forward=[f["id"] for f in snapshot["forward"]],
            verification=_verification(snapshot["verification"]))
        if area:
            response.area.CopyFrom(trace_pb2.Area(code=area["code"], name=area["name"],
                                                  village=area["village"], crop=area["crop"],
                                                  area_ha=area["area_ha"]))
        for entry in snapshot["timeline"]:
            line = response.timeline.add(
                seq=entry["seq"], step=entry["step"], label_vi=entry["label_vi"],
                label_en=entry["label_en"], where=entry["where"],
                disposition=entry["disposition"], hash=entry["hash"])
            line.time.FromDatetime(epcis.parse_time(entry["time"]))
        return response

    def VerifyBatch(self, request: trace_pb2.VerifyBatchRequest, context):
        require_fields(request, "tenant", "gtin", "lot")
        current_principal().require(request.tenant, domain.READERS)
        result = self.ledger.verify(request.tenant,
                                    self.ledger.batch_id(request.gtin, request.lot))
        return trace_pb2.VerifyBatchResponse(verification=_verification(result))


def add_to_server(server: grpc.Server, settings: Settings) -> str:
    store = TraceStore(make_client(settings)[database_name(settings, "trace")])
    store.ensure_indexes()
    ledger = Ledger(store, Publisher(settings.amqp_uri, settings.namespace),
                    seal_of(settings))
    trace_pb2_grpc.add_TraceServiceServicer_to_server(TraceServicer(ledger), server)
    return trace_pb2.DESCRIPTOR.services_by_name["TraceService"].full_name
