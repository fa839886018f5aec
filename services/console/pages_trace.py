"""Traceability: products and batches, a batch's chain with its verification, a step
recorded with the short form, QR label sheets to print (their codes name the console,
which passes the resolver's pages through: pages_resolver.py)."""
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from services.common import errors
from services.trace.epcis import CBV_STEPS, EXTENSION_STEPS

from .pages_resolver import own_address, trace_styled
from .web import CheckedForm, Me

router = APIRouter()
WRITERS = ("admin", "officer")
# The short form's object steps (a transformation or aggregation is sent by systems),
# with their names in Vietnamese and English.
STEPS = {step: {**CBV_STEPS, **EXTENSION_STEPS}[step][:2]
         for step in ("planting", "harvesting", "drying", "inspecting", "packing",
                      "shipping", "receiving", "storing", "retail_selling")}
MAX_COPIES = 60


def _api(commune: str) -> str:
    return f"/api/v1/communes/{commune}/trace"


def _batch_path(commune: str, gtin: str, lot: str) -> str:
    return f"{_api(commune)}/batches/{quote(gtin, safe='')}/{quote(lot, safe='/')}"


@router.get("/c/{commune}/trace")
def trace_home(commune: str, me: Me):
    me.require("trace", commune)
    with me.client() as api:
        products = api.get("trace", _api(commune) + "/products", {"pageSize": 200})["products"]
        batches = api.get("trace", _api(commune) + "/batches")["batches"]
    names = {p["gtin"]: p for p in products}
    return me.page("trace.html", active="trace", commune=commune, products=products,
                   batches=batches, names=names)


@router.get("/c/{commune}/trace/batches/{gtin}/{lot:path}")
def batch_page(request: Request, commune: str, gtin: str, lot: str, me: Me):
    me.require("trace", commune)
    with me.client() as api:
        provenance = api.get("trace", _batch_path(commune, gtin, lot))
        verified = api.post("trace", _batch_path(commune, gtin, lot) + "/verify")
        areas = api.get("trace", _api(commune) + "/areas")["areas"]
        producers = api.get("trace", _api(commune) + "/producers")["producers"]
    return me.page("batch.html", active="trace", commune=commune, p=provenance,
                   verification=verified["verification"], steps=STEPS, areas=areas,
                   producers=producers, may_write=me.role in WRITERS,
                   done=request.query_params.get("done", ""))


@router.post("/c/{commune}/trace/events")
def record_step(commune: str, me: Me, form: CheckedForm):
    me.require("trace", commune)
    gtin, lot = form.get("gtin", ""), form.get("lot", "")
    body = {"step": form.get("step", ""), "where": form.get("where", ""),
            "batch": {"gtin": gtin, "lot": lot}, "note": form.get("note", "")}
    with me.client() as api:
        api.post("trace", _api(commune) + "/events", body)
    return RedirectResponse(f"/c/{commune}/trace/batches/{quote(gtin, safe='')}/"
                            f"{quote(lot, safe='/')}?done=saved", 303)


@router.get("/c/{commune}/trace/labels/{gtin}/{lot:path}")
def label_sheet(request: Request, commune: str, gtin: str, lot: str, me: Me):
    """The trace service's printable sheet, its stylesheet taken from the console."""
    me.require("trace", commune)
    try:
        copies = int(request.query_params.get("copies", "12"))
    except ValueError:
        raise errors.InvalidArgument("copies: a whole number", {"copies": "invalid"}) from None
    if not 1 <= copies <= MAX_COPIES:
        raise errors.InvalidArgument(f"copies: 1 to {MAX_COPIES}", {"copies": "out of range"})
    with me.client() as api:
        sheet = api.raw("trace", _batch_path(commune, gtin, lot) + "/labels",
                        {"copies": copies, "base": own_address(request, me.app.console)})
    return HTMLResponse(trace_styled(sheet.text))
