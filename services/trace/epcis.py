"""EPCIS 2.0 events as this service keeps them: each event is the JSON object the EPCIS
2.0 JSON-LD binding defines (what / when / where / why / how), so export is a wrapper
and capture is a check. Business steps are CBV 2.0 words, plus an extension vocabulary
(prefix `cv:`) for the farm and craft steps CBV lacks. Pure functions, no I/O."""
import datetime as dt
import uuid

from services.common.errors import FailedPrecondition, InvalidArgument

from . import gs1

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/epcis-context.jsonld"
# Identifiers of classes (GTIN + lot) are GS1 Digital Link URIs on GS1's canonical domain,
# which EPCIS 2.0 accepts in place of LGTIN URNs (no company-prefix length needed).
CANONICAL_DL = "https://id.gs1.org"
EXTENSION_PREFIX = "cv"
EXTENSION_NS = "urn:commune-platform:trace:vocab:"
EVENT_TYPES = ("ObjectEvent", "TransformationEvent", "AggregationEvent")
ACTIONS = ("ADD", "OBSERVE", "DELETE")
VIETNAM_OFFSET = "+07:00"
FUTURE_TOLERANCE = dt.timedelta(minutes=10)

# CBV 2.0 business steps this service records, with their page labels (vi, en).
CBV_STEPS = {
    "commissioning": ("Tạo lô", "Batch created"),
    "inspecting": ("Kiểm tra chất lượng", "Quality inspection"),
    "packing": ("Đóng gói", "Packing"),
    "shipping": ("Xuất hàng", "Shipping"),
    "receiving": ("Nhận hàng", "Receiving"),
    "retail_selling": ("Bán lẻ", "Retail sale"),
    "storing": ("Lưu kho", "Storing"),
    "sensor_reporting": ("Ghi cảm biến", "Sensor reading"),
}
# The extension vocabulary: steps of farms and crafts that CBV 2.0 does not name. In
# JSON-LD they are "cv:<step>", the prefix bound to EXTENSION_NS in the document context.
EXTENSION_STEPS = {
    "planting": ("Gieo trồng", "Planting",
                 "seeds or cuttings set in a raw-material area (readPoint: the area)"),
    "harvesting": ("Thu hoạch", "Harvesting",
                   "crop or honey taken from an area; the batch comes into being"),
    "drying": ("Phơi / sấy", "Drying", "sun- or kiln-drying of a harvested or made batch"),
    "weaving": ("Dệt", "Weaving", "hand-weaving of brocade (thổ cẩm) from prepared yarn"),
    "processing": ("Chế biến", "Processing",
                   "a transformation: inputs consumed, outputs made (starch → vermicelli)"),
}
STEPS = {**{k: v[:2] for k, v in CBV_STEPS.items()},
         **{f"{EXTENSION_PREFIX}:{k}": v[:2] for k, v in EXTENSION_STEPS.items()}}
DISPOSITIONS = ("active", "in_progress", "in_transit", "sellable_accessible",
                "sellable_not_accessible", "conformant", "non_conformant", "needs_replacement",
                "expired", "destroyed", "retail_sold")
DEFAULT_DISPOSITION = {
    "commissioning": "active", "cv:planting": "in_progress", "cv:harvesting": "active",
    "cv:drying": "in_progress", "cv:weaving": "in_progress", "cv:processing": "active",
    "inspecting": "conformant", "packing": "sellable_not_accessible",
    "shipping": "in_transit", "receiving": "sellable_accessible", "storing": "active",
    "retail_selling": "retail_sold", "sensor_reporting": "active",
}
# Steps that need an earlier step in the batch's history, and steps that packing closes.
NEEDS = {"shipping": "packing", "receiving": "shipping", "retail_selling": "packing"}
BEFORE_PACKING = ("cv:planting", "cv:harvesting", "cv:drying", "cv:weaving")
_CBV_PREFIXES = ("urn:epcglobal:cbv:bizstep:", "urn:epcglobal:cbv:disp:",
                 "https://ref.gs1.org/cbv/BizStep-", "https://ref.gs1.org/cbv/Disp-",
                 "cbv:BizStep-", "cbv:Disp-", "bizstep:", "disp:")


def class_uri(gtin: str, lot: str) -> str:
    """The EPCIS class identifier of a batch (GTIN + lot)."""
    return gs1.DigitalLink(gs1.normalise_gtin(gtin), gs1.validate_lot(lot)).uri(CANONICAL_DL)


def location_uri(tenant: str, kind: str, code: str) -> str:
    """A read point or business location: a producer's site or a raw-material area."""
    return f"urn:commune:{tenant}:{kind}:{code}"


def parse_location(uri: str) -> tuple[str, str, str]:
    parts = str(uri).split(":")
    if len(parts) != 5 or parts[:2] != ["urn", "commune"] or parts[3] not in ("area",
                                                                              "producer"):
        raise InvalidArgument(f"location {uri!r} is not urn:commune:<commune>:area|producer:"
                              "<code>", {"where": "unknown location form"})
    return parts[2], parts[3], parts[4]


def _bare(value: str) -> str:
    for prefix in _CBV_PREFIXES:
        if value.startswith(prefix):
            return value[len(prefix):]
    if value.startswith(EXTENSION_NS):
        return f"{EXTENSION_PREFIX}:{value[len(EXTENSION_NS):]}"
    return value


def parse_time(value, field: str = "eventTime") -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise InvalidArgument(f"{field} {value!r} is not an ISO 8601 time",
                              {field: "not a time"}) from None
    if parsed.tzinfo is None:
        raise InvalidArgument(f"{field} {value!r} needs a time zone offset",
                              {field: "no offset"})
    return parsed


def _fail(index: int | None, field: str, message: str, what: str):
    path = f"epcisBody.eventList[{index}].{field}" if index is not None else field
    raise InvalidArgument(message, {path: what})


def _quantities(event: dict, name: str, index, required: bool) -> list[dict]:
    rows = event.get(name, [])
    if not isinstance(rows, list) or (required and not rows):
        _fail(index, name, f"{name} must list at least one batch", "required")
    cleaned = []
    for row in rows:
        if not isinstance(row, dict) or "epcClass" not in row:
            _fail(index, name, f"each {name} entry needs an epcClass", "no epcClass")
        link = gs1.parse(row["epcClass"])
        if not link.lot:
            _fail(index, name, f"{row['epcClass']!r} names no lot (/10/...)", "no lot")
        quantity = row.get("quantity")
        if quantity is not None and (not isinstance(quantity, int | float) or quantity <= 0):
            _fail(index, name, f"quantity {quantity!r} must be a positive number", "quantity")
        cleaned.append({"epcClass": class_uri(link.gtin, link.lot),
                        **({"quantity": quantity} if quantity is not None else {}),
                        **({"uom": str(row["uom"])} if row.get("uom") else {})})
    return cleaned


def validate(event: dict, index: int | None = None, now: dt.datetime | None = None) -> dict:
    """An EPCIS 2.0 event checked and in this service's form (bare CBV words, canonical
    class URIs); InvalidArgument naming the field at fault."""
    if not isinstance(event, dict):
        _fail(index, "", "an event must be a JSON object", "not an object")
    kind = event.get("type")
    if kind not in EVENT_TYPES:
        _fail(index, "type", f"event type {kind!r} is not one of {', '.join(EVENT_TYPES)}",
              "unsupported")
    event_id = str(event.get("eventID") or "")
    if not event_id or ":" not in event_id:
        _fail(index, "eventID", "eventID must be a URI (e.g. urn:uuid:...)", "required")
    when = parse_time(event.get("eventTime"))
    if now and when > now + FUTURE_TOLERANCE:
        _fail(index, "eventTime", f"eventTime {event['eventTime']} is in the future", "future")
    offset = str(event.get("eventTimeZoneOffset") or "")
    if len(offset) != 6 or offset[0] not in "+-" or offset[3] != ":":
        _fail(index, "eventTimeZoneOffset", "eventTimeZoneOffset must look like +07:00",
              "format")
    step = _bare(str(event.get("bizStep") or ""))
    if step not in STEPS:
        _fail(index, "bizStep", f"bizStep {event.get('bizStep')!r} is not known here; use "
              f"one of {', '.join(STEPS)}", "unknown")
    disposition = _bare(str(event.get("disposition") or DEFAULT_DISPOSITION[step]))
    if disposition not in DISPOSITIONS:
        _fail(index, "disposition", f"disposition {disposition!r} is not a CBV disposition",
              "unknown")
    where = event.get("readPoint", {}).get("id") if isinstance(event.get("readPoint"),
                                                               dict) else None
    if not where:
        _fail(index, "readPoint", "readPoint.id (where it happened) is required", "required")
    parse_location(where)
    out = {"type": kind, "eventID": event_id, "eventTime": event["eventTime"],
           "eventTimeZoneOffset": offset, "bizStep": step, "disposition": disposition,
           "readPoint": {"id": where}}
    location = event.get("bizLocation")
    if isinstance(location, dict) and location.get("id"):
        parse_location(location["id"])
        out["bizLocation"] = {"id": location["id"]}
    if kind == "ObjectEvent":
        action = event.get("action", "OBSERVE")
        if action not in ACTIONS:
            _fail(index, "action", f"action {action!r} is not ADD, OBSERVE or DELETE", "action")
        out["action"] = action
        out["quantityList"] = _quantities(event, "quantityList", index, True)
    elif kind == "TransformationEvent":
        out["inputQuantityList"] = _quantities(event, "inputQuantityList", index, True)
        out["outputQuantityList"] = _quantities(event, "outputQuantityList", index, True)
    else:
        action = event.get("action", "ADD")
        if action not in ("ADD", "DELETE") or not event.get("parentID"):
            _fail(index, "parentID", "an AggregationEvent needs a parentID and action ADD or "
                  "DELETE", "required")
        out.update(action=action, parentID=str(event["parentID"]),
                   childQuantityList=_quantities(event, "childQuantityList", index, True))
    for optional in ("sensorElementList", "sourceList", "destinationList", "bizTransactionList",
                     "cv:note", "cv:signedBy", "cv:signature"):
        if event.get(optional):
            out[optional] = event[optional]
    _check_optional(out, index)
    return out


def check_commune(event: dict, tenant: str, index: int | None = None) -> None:
    """InvalidArgument naming the field when the event happened, by its read point or
    business location, in another commune than `tenant`, the one it is recorded for."""
    for field in ("readPoint", "bizLocation"):
        uri = (event.get(field) or {}).get("id")
        owner = parse_location(uri)[0] if uri else tenant
        if owner != tenant:
            _fail(index, f"{field}.id", f"{field} {uri} is in commune {owner!r}; events "
                  f"recorded for commune {tenant!r} happen at its own places",
                  "another commune")


def _check_optional(event: dict, index: int | None) -> None:
    """The shapes the timeline and the page read: a note is text, a sensor element list
    holds objects each with a sensorReport list of objects."""
    if not isinstance(event.get("cv:note", ""), str):
        _fail(index, "cv:note", "cv:note must be text", "not text")
    elements = event.get("sensorElementList", [])
    if not (isinstance(elements, list) and all(
            isinstance(e, dict) and isinstance(e.get("sensorReport", []), list)
            and all(isinstance(r, dict) for r in e.get("sensorReport", []))
            for e in elements)):
        _fail(index, "sensorElementList", "sensorElementList must list objects, each with a "
              "sensorReport list of objects", "form")


def roles(event: dict) -> list[tuple[str, str]]:
    """(class URI, role) of every batch the event is about: object, input, output, child."""
    lists = {"quantityList": "object", "inputQuantityList": "input",
             "outputQuantityList": "output", "childQuantityList": "child"}
    seen, result = set(), []
    for name, role in lists.items():
        for row in event.get(name, []):
            if row["epcClass"] not in seen:
                seen.add(row["epcClass"])
                result.append((row["epcClass"], role))
    return result


def check_history(event: dict, role: str, history: list[dict], batch_label: str) -> None:
    """FailedPrecondition when `event` cannot follow the batch's `history` (its events in
    recorded order): out of order in time, or a step whose prerequisite is missing."""
    steps = {e["bizStep"] for e in history} | {
        "packing" for e in history if e["type"] == "AggregationEvent"}
    if history:
        last = max(parse_time(e["eventTime"]) for e in history)
        if parse_time(event["eventTime"]) < last:
            raise FailedPrecondition(
                f"{batch_label}: {event['bizStep']} at {event['eventTime']} is earlier than the "
                f"batch's last event ({last.isoformat()}); record events in the order they "
                "happened")
    step = event["bizStep"]
    if role == "input":
        if not history:
            raise FailedPrecondition(f"{batch_label}: a transformation input must have a "
                                     "recorded history (harvest, drying...) first")
        if "shipping" in steps:
            raise FailedPrecondition(f"{batch_label} was shipped; it cannot be processed here")
        return
    if role == "child" and "packing" not in steps:
        raise FailedPrecondition(f"{batch_label} must be packed before it goes into a carton")
    needed = NEEDS.get(step)
    if role == "object" and needed and needed not in steps:
        raise FailedPrecondition(f"{batch_label}: no {step} before {needed}")
    if step in BEFORE_PACKING and "packing" in steps:
        raise FailedPrecondition(f"{batch_label} is already packed; {step} comes before packing")


def new_event_id() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def document(events: list[dict], created: dt.datetime) -> dict:
    """An EPCIS 2.0 JSON-LD document holding `events`."""
    return {"@context": [EPCIS_CONTEXT, {EXTENSION_PREFIX: EXTENSION_NS}],
            "type": "EPCISDocument", "schemaVersion": "2.0",
            "creationDate": created.isoformat().replace("+00:00", "Z"),
            "epcisBody": {"eventList": events}}


def events_of(doc: dict, now: dt.datetime) -> list[dict]:
    """Every event of an EPCIS 2.0 JSON-LD capture document, each validated; the first
    invalid one fails the whole document (the capture interface stores all or nothing)."""
    if not isinstance(doc, dict) or doc.get("type") != "EPCISDocument":
        raise InvalidArgument("not an EPCIS document: type must be EPCISDocument",
                              {"type": "not EPCISDocument"})
    if not str(doc.get("schemaVersion", "")).startswith("2"):
        raise InvalidArgument("only EPCIS 2.0 documents are accepted",
                              {"schemaVersion": "unsupported"})
    body = doc.get("epcisBody")
    events = body.get("eventList") if isinstance(body, dict) else None
    if not isinstance(events, list) or not events:
        raise InvalidArgument("epcisBody.eventList must list at least one event",
                              {"epcisBody.eventList": "required"})
    validated = [validate(e, i, now) for i, e in enumerate(events)]
    ids = [e["eventID"] for e in validated]
    if len(set(ids)) != len(ids):
        raise InvalidArgument("the document repeats an eventID",
                              {"epcisBody.eventList": "duplicate eventID"})
    return validated
