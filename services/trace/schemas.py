"""What the trace operations take and give, in the names of the contract (proto3 JSON:
lowerCamelCase on the wire, the fields of commune.v1's trace messages where one exists).
Requests reuse the domain's models, so a rule on a field is written once. EPCIS documents
keep the EPCIS 2.0 standard's own field names ("@context", "epcisBody", "eventList")."""
import datetime as dt
from typing import Any

from pydantic import ConfigDict, Field

from services.common.api.models import ApiModel, Request, TenantRequest

from . import domain

# --- responses -------------------------------------------------------------------------


class Producer(ApiModel):
    """A producer: a household, a cooperative or a firm (commune.v1.Producer)."""

    code: str
    name: str
    kind: str
    village: str
    address: str
    contact: str = ""
    public_key: str = Field("", description="base64 of its Ed25519 key: its events' signatures")


class Area(ApiModel):
    """A raw-material area (commune.v1.Area)."""

    code: str
    name: str
    village: str
    crop: str
    area_ha: float
    location: dict | None = Field(None, description="GeoJSON Point or Polygon, WGS 84")


class Certification(ApiModel):
    kind: str
    label: str
    issuer: str = ""
    number: str = ""
    stars: int | None = None
    valid_from: str
    valid_until: str | None = None
    status: str = Field(description="valid, expired or not_yet_valid, today")


class Product(ApiModel):
    """A product, keyed by its GTIN (commune.v1.Product)."""

    gtin: str
    tenant: str = ""
    name_vi: str
    name_en: str
    category: str
    producer: str
    description_vi: str = ""
    description_en: str = ""
    internal_code: str = ""
    image_url: str = ""
    shelf_life_days: int | None = None
    demo: bool = False
    certifications: list[Certification] = []


class Batch(ApiModel):
    """A batch: a GTIN and a lot (commune.v1.Batch)."""

    id: str
    tenant: str
    gtin: str
    lot: str
    producer: str
    area: str = ""
    produced_on: str
    expires_on: str = ""
    quantity: float
    unit: str
    event_count: int = Field(0, description="events in the batch's chain")
    created_by: str = ""
    create_time: dt.datetime | None = None


class TimelineEntry(ApiModel):
    """One step of a batch's history (commune.v1.TimelineEntry)."""

    seq: int
    time: dt.datetime
    step: str
    label_vi: str
    label_en: str
    where: str
    disposition: str = ""
    hash: str
    type: str = Field("", description="the EPCIS event type")
    signed: bool = False
    note: str = ""
    readings: list[str] = []
    parent: str = Field("", description="an aggregation's carton")


class Verification(ApiModel):
    """A check of a batch's hash chain against its sealed head (commune.v1.Verification);
    a batch recorded before sealing lacks the head's figures."""

    intact: bool
    checked: int
    broken_at: int = 0
    reason: str = ""
    head: str = ""
    anchored_events: int | None = None
    anchor_signed: bool | None = None
    missing_events: int | None = None
    checked_at: dt.datetime | None = None


class ListProducersResponse(ApiModel):
    """The commune's producers by code."""

    producers: list[Producer]


class ListAreasResponse(ApiModel):
    """The commune's raw-material areas by code."""

    areas: list[Area]


class ListProductsResponse(ApiModel):
    """One page of the commune's products by GTIN."""

    products: list[Product]
    next_page_token: str = Field("", description="the next page's token; empty after the last")


class GetProductResponse(ApiModel):
    """A product and its producer."""

    product: Product
    producer: Producer


class ListBatchesResponse(ApiModel):
    """The commune's batches by id."""

    batches: list[Batch]


class ChainLink(ApiModel):
    batch: str
    seq: int
    hash: str


class RecordedEvent(ApiModel):
    """An event stored in its batches' chains, or found stored already (a retry)."""

    event_id: str = Field(description="the EPCIS eventID")
    duplicate: bool
    step: str = ""
    batches: list[str]
    links: list[ChainLink] = []


class CaptureEpcisResponse(ApiModel):
    """What a capture stored: every event of the document, or none."""

    captured: int
    duplicates: int
    events: list[RecordedEvent]


class EpcisBody(ApiModel):
    event_list: list[dict[str, Any]]


class EpcisDocument(ApiModel):
    """An EPCIS 2.0 JSON-LD document."""

    context: list | str = Field(alias="@context")
    type: str = "EPCISDocument"
    schema_version: str
    creation_date: str
    epcis_body: EpcisBody


class GetBatchProvenanceResponse(ApiModel):
    """A batch's provenance: the batch, its product, producer and area, its timeline, the
    batches one step back and forward, and the last verification of its chain."""

    batch: Batch
    product: Product
    producer: Producer
    area: Area | None = None
    timeline: list[TimelineEntry]
    back: list[str] = Field(description="batches (gtin:lot) this one was made from")
    forward: list[str] = Field(description="batches made from it, cartons (carton:<id>) "
                                           "it went into")
    verification: Verification


class VerifyBatchResponse(ApiModel):
    """The verification, stored and shown on the batch's public page."""

    verification: Verification


class ScanReport(ApiModel):
    """A batch's public page views per day and rough origin, and whether they look like a
    copied code."""

    batch: str
    total: int
    per_day: dict[str, int]
    origins: list[str]
    possible_counterfeit: bool
    flags: list[str]


# --- requests --------------------------------------------------------------------------

class SaveProducerRequest(TenantRequest, domain.Producer):
    pass


class ListProducersRequest(TenantRequest):
    pass


class SaveAreaRequest(TenantRequest, domain.Area):
    pass


class ListAreasRequest(TenantRequest):
    pass


class NewCertification(Request, domain.Certification):
    """A certification as the commune enters it (its status is worked out each day)."""


class SaveProductRequest(TenantRequest, domain.Product):
    certifications: list[NewCertification] = []


class GetProductRequest(TenantRequest):
    gtin: str = Field(min_length=1, description="GTIN-8, -12, -13 or -14")


class ListProductsRequest(TenantRequest):
    page_size: int = Field(0, ge=0, description="0 for 50; at most 200")
    page_token: str = ""


class CreateBatchRequest(TenantRequest, domain.Batch):
    pass


class ListBatchesRequest(TenantRequest):
    pass


class BatchRequest(TenantRequest):
    gtin: str = Field(min_length=1, description="GTIN-8, -12, -13 or -14")
    lot: str = Field(min_length=1, description="the lot (GS1 AI 10)")


class GetBatchProvenanceRequest(BatchRequest):
    pass


class VerifyBatchRequest(BatchRequest):
    pass


class ExportEpcisRequest(BatchRequest):
    pass


class GetScanReportRequest(BatchRequest):
    pass


class Signature(Request):
    """A producer's Ed25519 signature of the event's content hash."""

    signer: str = Field(description="the producer's code")
    value: str = Field(description="base64 of the signature")


class RecordEventRequest(TenantRequest, domain.EventInput):
    signature: Signature | None = None


class CaptureEpcisRequest(TenantRequest):
    """An EPCIS 2.0 JSON-LD capture document, in the standard's own field names; what else
    the standard allows in a document (epcisHeader, …) is accepted and not kept."""

    model_config = ConfigDict(extra="allow")

    context: list | str = Field(alias="@context")
    type: str = Field(description="EPCISDocument")
    schema_version: str = Field(description="2.0")
    creation_date: str = ""
    epcis_body: dict[str, Any] = Field(description="eventList: the events, each checked")

    def document(self) -> dict:
        return self.model_dump(mode="json", by_alias=True, exclude={"tenant"})
