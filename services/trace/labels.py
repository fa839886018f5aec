"""A batch's QR images and its printable label sheet, for officers (a bearer token): not
JSON, so no operations of the table, but allowed to whoever the table lets read the
batch's provenance, the data they print."""
import functools
import io

import segno
from nameko.web.handlers import http
from werkzeug.wrappers import Response

from services.common.api.nameko_doors import principal_of
from services.common.api.openapi import Page
from services.common.api.operations import Route, authorize
from services.common.errors import CommuneError, InvalidArgument
from services.common.nameko_ext.web import json_api

from . import gs1, page
from .app import BATCH, OPERATIONS
from .public import public_base

MAX_LABELS = 60
QR = BATCH + "/qr.{kind}"
LABELS = BATCH + "/labels"
PAGES = (Page("GET", QR, "The batch's QR code (qr.svg or qr.png): its Digital Link URI "
              "(?base=: the resolver's address, unless COMMUNE_TRACE_PUBLIC_BASE is set)",
              "image/svg+xml", other_media_types=("image/png",), slashes=("lot",)),
         Page("GET", LABELS, "A printable sheet of the batch's labels (?copies=1 to 60; "
              "?base= as for the QR code)", "text/html", slashes=("lot",)))


def _werkzeug(path: str) -> str:
    return Route("GET", path, slashes=("lot",)).werkzeug_path


def _readers_only(method):
    """The caller must be let read the batch's provenance; every error is answered the
    JSON way (problem+json), as the operations' are."""
    @functools.wraps(method)
    def handler(self, request, tenant, gtin, lot, **kwargs):
        try:
            authorize(principal_of(request.headers.get("Authorization")),
                      OPERATIONS["get_batch_provenance"], tenant)
            return method(self, request, tenant, gtin, lot, **kwargs)
        except CommuneError as exc:
            return _problem(self, request, exc)
    return handler


@json_api
def _problem(_self, _request, exc):
    raise exc


class BatchLabels:
    @http("GET", _werkzeug(QR))
    @_readers_only
    def http_qr(self, request, tenant, gtin, lot, kind):
        if kind not in ("svg", "png"):
            raise InvalidArgument("a QR image is qr.svg or qr.png", {"kind": "unknown"})
        qr = segno.make(self._batch_uri(request, tenant, gtin, lot), error="m")
        out = io.BytesIO()
        qr.save(out, kind=kind, scale=8 if kind == "png" else 4, border=2)
        return Response(out.getvalue(),
                        content_type="image/svg+xml" if kind == "svg" else "image/png",
                        headers={"Cache-Control": "private, max-age=3600"})

    @http("GET", _werkzeug(LABELS))
    @_readers_only
    def http_labels(self, request, tenant, gtin, lot):
        copies = request.args.get("copies", "12")
        count = int(copies) if copies.isdecimal() else 0
        if not 1 <= count <= MAX_LABELS:
            raise InvalidArgument(f"copies must be 1 to {MAX_LABELS}",
                                  {"copies": "out of range"})
        ledger = self.use_cases().ledger
        snapshot = ledger.provenance(ledger.batch_id(gtin, lot), tenant)
        uri = self._batch_uri(request, tenant, gtin, lot)
        svg = segno.make(uri, error="m").svg_inline(scale=3, border=2, omitsize=True)
        return Response(page.label_sheet(snapshot, svg, uri, count).encode(),
                        content_type="text/html; charset=utf-8")

    def _batch_uri(self, request, tenant: str, gtin: str, lot: str) -> str:
        ledger = self.use_cases().ledger
        batch = ledger.store.batch(ledger.batch_id(gtin, lot), tenant)
        base = public_base(request, request.args.get("base", ""))
        return gs1.DigitalLink(batch["gtin"], batch["lot"]).uri(base)
