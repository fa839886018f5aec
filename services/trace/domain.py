"""Traceability rules without I/O: the registry (producers, raw-material areas, products,
batches), the short event form a cooperative types turned into EPCIS 2.0, and the
provenance view a buyer sees. GS1 codes are in gs1.py, EPCIS in epcis.py, the hash
chain in chain.py."""
import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.common.envelope import Envelope
from services.common.errors import InvalidArgument, validated

from . import epcis, gs1

WRITERS = ("admin", "officer")
READERS = ("admin", "officer", "operator", "province")
SOURCE = "trace"
CODE = r"^[a-z0-9][a-z0-9-]{0,62}$"
Code = Annotated[str, Field(pattern=CODE)]
Text = Annotated[str, Field(min_length=1, max_length=300)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Producer(_Input):
    code: Code
    name: Text
    kind: Literal["household", "cooperative", "firm"]
    village: Text
    address: Text
    contact: str = Field("", max_length=100)
    # Base64 of a raw Ed25519 public key: events this producer signs are checked with it.
    public_key: str = ""


class Area(_Input):
    code: Code
    name: Text
    village: Text
    crop: Text
    area_ha: float = Field(gt=0, le=100_000)
    # GeoJSON Point or Polygon, WGS 84 [longitude, latitude].
    location: dict | None = None

    @field_validator("location")
    @classmethod
    def _geojson(cls, value):
        if value is None:
            return value
        kind, coords = value.get("type"), value.get("coordinates")
        points = ([coords] if kind == "Point" else
                  (coords[0] if kind == "Polygon" and isinstance(coords, list) and coords
                   else None))
        if not isinstance(points, list) or not points or not all(
                _position(p) for p in points):
            raise ValueError("must be a GeoJSON Point or Polygon in [longitude, latitude]")
        return {"type": kind, "coordinates": coords}


def _position(point) -> bool:
    """A GeoJSON [longitude, latitude] pair within range."""
    return (isinstance(point, list) and len(point) == 2
            and all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in point)
            and -180 <= point[0] <= 180 and -90 <= point[1] <= 90)


class Certification(_Input):
    kind: Literal["ocop", "vietgap", "organic", "other"]
    label: Text
    issuer: str = Field("", max_length=200)
    number: str = Field("", max_length=100)
    stars: int | None = Field(None, ge=3, le=5)  # OCOP rates 3 to 5 stars
    valid_from: dt.date
    valid_until: dt.date | None = None


class Product(_Input):
    gtin: str
    name_vi: Text
    name_en: Text
    category: Text
    producer: Code
    description_vi: str = Field("", max_length=2000)
    description_en: str = Field("", max_length=2000)
    internal_code: str = Field("", max_length=50)
    image_url: str = Field("", max_length=500, pattern=r"^(https?://\S+)?$")  # no javascript:
    shelf_life_days: int | None = Field(None, gt=0, le=3650)
    demo: bool = False  # a demo code: not assigned by GS1 Vietnam, shown as such
    certifications: list[Certification] = []

    @field_validator("gtin")
    @classmethod
    def _gtin(cls, value):
        return gs1.normalise_gtin(value)


class Batch(_Input):
    gtin: str
    lot: str
    producer: Code
    area: Code | None = None
    produced_on: dt.date
    expires_on: dt.date | None = None
    quantity: float = Field(gt=0)
    unit: Text

    @field_validator("gtin")
    @classmethod
    def _gtin(cls, value):
        return gs1.normalise_gtin(value)

    @field_validator("lot")
    @classmethod
    def _lot(cls, value):
        return gs1.validate_lot(value)


def product_id(gtin: str) -> str:
    """Products are keyed by GTIN alone: GS1 makes it unique, and the public resolver
    knows nothing else."""
    return gtin


def batch_id(gtin: str, lot: str) -> str:
    return f"{gtin}:{lot}"


def registry_id(tenant: str, code: str) -> str:
    return f"{tenant}:{code}"


def new_batch(tenant: str, batch: Batch, product: dict, by: str, now: dt.datetime) -> dict:
    expires = batch.expires_on
    if expires is None and product.get("shelf_life_days"):
        expires = batch.produced_on + dt.timedelta(days=product["shelf_life_days"])
    if expires and expires < batch.produced_on:
        raise InvalidArgument("expires_on is before produced_on", {"expires_on": "too early"})
    return {"_id": batch_id(batch.gtin, batch.lot), "tenant": tenant, "gtin": batch.gtin,
            "lot": batch.lot, "producer": batch.producer, "area": batch.area,
            "produced_on": batch.produced_on.isoformat(),
            "expires_on": expires.isoformat() if expires else None,
            "quantity": batch.quantity, "unit": batch.unit, "seq": 0,
            "created_at": now, "created_by": by}


# --- the short event form ------------------------------------------------------------

class BatchRef(_Input):
    gtin: str
    lot: str
    quantity: float | None = Field(None, gt=0)
    uom: str = Field("", max_length=10)  # UN/ECE rec. 20: KGM, H87 (piece)...

    def row(self) -> dict:
        row = {"epcClass": epcis.class_uri(self.gtin, self.lot)}
        if self.quantity is not None:
            row["quantity"] = self.quantity
        if self.uom:
            row["uom"] = self.uom
        return row


class Reading(_Input):
    type: str = Field(pattern=r"^[A-Za-z]+$")  # gs1:Temperature, gs1:RelativeHumidity...
    value: float
    uom: str = Field(max_length=10)


class EventInput(_Input):
    """What a cooperative types: the step, the batch(es), where and when."""
    step: str
    where: str = Field(pattern=r"^(area|producer):[a-z0-9][a-z0-9-]*$")
    when: dt.datetime | None = None
    batch: BatchRef | None = None  # object events
    inputs: list[BatchRef] = []  # transformation
    outputs: list[BatchRef] = []
    parent: str = Field("", max_length=100)  # aggregation: the carton's id
    children: list[BatchRef] = []
    disposition: str = ""
    readings: list[Reading] = []
    note: str = Field("", max_length=500)
    event_id: str = Field("", max_length=100)


def _step_name(step: str) -> str:
    if step in epcis.STEPS:
        return step
    if f"{epcis.EXTENSION_PREFIX}:{step}" in epcis.STEPS:
        return f"{epcis.EXTENSION_PREFIX}:{step}"
    raise InvalidArgument(f"unknown step {step!r}; one of "
                          f"{', '.join(s.split(':')[-1] for s in epcis.STEPS)}",
                          {"step": "unknown"})


def event_from_input(tenant: str, fields, now: dt.datetime) -> dict:
    """An EPCIS 2.0 event from the short form; validated like a captured one."""
    given = validated(EventInput, fields, "event")
    when = (given.when or now)
    if when.tzinfo is None:
        raise InvalidArgument("when needs a time zone offset", {"when": "no offset"})
    local = when.astimezone(dt.timezone(dt.timedelta(hours=7)))
    kind, where_code = given.where.split(":")
    event = {"eventID": given.event_id or epcis.new_event_id(),
             "eventTime": local.isoformat(timespec="seconds"),
             "eventTimeZoneOffset": epcis.VIETNAM_OFFSET, "bizStep": _step_name(given.step),
             "readPoint": {"id": epcis.location_uri(tenant, kind, where_code)}}
    if given.disposition:
        event["disposition"] = given.disposition
    if given.inputs or given.outputs:
        event.update(type="TransformationEvent",
                     inputQuantityList=[b.row() for b in given.inputs],
                     outputQuantityList=[b.row() for b in given.outputs])
    elif given.parent:
        event.update(type="AggregationEvent", action="ADD", parentID=given.parent,
                     childQuantityList=[b.row() for b in given.children])
    elif given.batch:
        action = "ADD" if event["bizStep"] in ("cv:harvesting", "commissioning") else "OBSERVE"
        event.update(type="ObjectEvent", action=action, quantityList=[given.batch.row()])
    else:
        raise InvalidArgument("name the batch (batch), the inputs and outputs "
                              "(transformation) or the parent and children (aggregation)",
                              {"batch": "required"})
    if given.readings:
        event["sensorElementList"] = [{"sensorReport": [
            {"type": f"gs1:{r.type}", "value": r.value, "uom": r.uom} for r in given.readings]}]
    if given.note:
        event["cv:note"] = given.note
    return epcis.validate(event, now=now)


def batch_of_class(uri: str) -> str:
    link = gs1.parse(uri)
    return batch_id(link.gtin, link.lot)


# --- views ---------------------------------------------------------------------------

def certification_status(cert: dict, today: dt.date) -> str:
    until = cert.get("valid_until")
    if cert["valid_from"] > today.isoformat():
        return "not_yet_valid"
    if until and until < today.isoformat():
        return "expired"
    return "valid"


def product_view(product: dict, today: dt.date) -> dict:
    view = {k: v for k, v in product.items() if k not in ("_id", "outbox")}
    view["certifications"] = [{**c, "status": certification_status(c, today)}
                              for c in product.get("certifications", [])]
    return view


def timeline_entry(event: dict, link: dict, places: dict[str, str]) -> dict:
    """One line of the public timeline: when, what (vi, en), where, and details."""
    vi, en = epcis.STEPS[event["bizStep"]]
    where = event["readPoint"]["id"]
    entry = {"seq": link["seq"], "time": event["eventTime"], "step": event["bizStep"],
             "label_vi": vi, "label_en": en, "where": places.get(where, where),
             "disposition": event.get("disposition", ""), "type": event["type"],
             "hash": link["hash"], "signed": bool(link.get("signature")),
             "note": event.get("cv:note", "")}
    readings = [" ".join(str(x) for x in (str(r.get("type", "")).split(":")[-1],
                                          r.get("value", ""), r.get("uom", "")) if x != "")
                for element in event.get("sensorElementList", [])
                for r in element.get("sensorReport", [])]
    if readings:
        entry["readings"] = readings
    if event["type"] == "AggregationEvent":
        entry["parent"] = event["parentID"]
    return entry


def neighbours(batch: str, links: list[dict]) -> tuple[list[str], list[str]]:
    """One step back (inputs this batch was made from) and one step forward (what was made
    from it, cartons it went into), as batch ids or carton ids."""
    back, forward = [], []
    for link in links:
        event = link["event"]
        if event["type"] == "TransformationEvent":
            inputs = [batch_of_class(r["epcClass"]) for r in event["inputQuantityList"]]
            outputs = [batch_of_class(r["epcClass"]) for r in event["outputQuantityList"]]
            if batch in outputs:
                back += [b for b in inputs if b not in back]
            if batch in inputs:
                forward += [b for b in outputs if b not in forward]
        elif event["type"] == "AggregationEvent" and event["action"] == "ADD":
            forward.append(f"carton:{event['parentID']}")
    return back, forward


def envelope(event_type: str, tenant: str, subject: str, message) -> Envelope:
    return Envelope.wrap(event_type, SOURCE, tenant, message, subject=subject)


# --- scans -----------------------------------------------------------------------------

# Units in which a batch's quantity counts the packs that carry a QR code.
PACK_UNITS = ("pack", "gói", "túi", "hộp", "chai", "lọ", "bao", "tấm", "piece", "H87")
SCANS_PER_PACK = 5  # a buyer, a shop, a friend: more than this per pack is unusual
PLACES_PER_PACKS = 20  # one origin per this many packs is plausible, plus a few


def counterfeit_flags(batch: dict, total: int, origins: int) -> list[str]:
    """Why a batch's scans look like a copied code: far more scans, or scans from far more
    places, than its number of packs makes plausible. Empty when nothing is odd or the
    batch is not counted in packs."""
    if batch.get("unit") not in PACK_UNITS:
        return []
    packs = batch["quantity"]
    flags = []
    if total > SCANS_PER_PACK * packs:
        flags.append(f"{total} scans for {packs:g} packs (more than {SCANS_PER_PACK} a pack)")
    if origins > 3 + packs / PLACES_PER_PACKS:
        flags.append(f"scanned from {origins} places for {packs:g} packs")
    return flags


def scan_origin(remote_addr: str) -> str:
    """A rough origin that keeps no personal data: the first two octets of an IPv4
    address (the first three groups of IPv6)."""
    addr = remote_addr or ""
    if addr.count(".") == 3:
        return ".".join(addr.split(".")[:2]) + ".x.x"
    if ":" in addr:
        return ":".join(addr.split(":")[:3]) + "::"
    return "unknown"
