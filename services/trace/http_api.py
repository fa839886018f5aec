"""The trace HTTP JSON API the web UI uses (a bearer token, like every other service),
plus the QR images and the printable label sheet of a batch."""
import functools

from nameko.web.handlers import http
from werkzeug.wrappers import Response

from services.common.errors import CommuneError
from services.common.nameko_ext.web import caller, json_api, request_json

from . import domain

BASE = "/api/v1/communes/<tenant>/trace"
BATCH = BASE + "/batches/<gtin>/<path:lot>"


def raw_api(method):
    """For endpoints that answer with a ready Response (images, HTML): errors are still
    answered the JSON way."""
    @functools.wraps(method)
    def handler(self, request, *args, **kwargs):
        try:
            return method(self, request, *args, **kwargs)
        except CommuneError as exc:
            return _error_response(None, request, exc)
    return handler


@json_api
def _error_response(_self, _request, exc):
    raise exc


class TraceHttpApi:
    @http("PUT", BASE + "/producers")
    @json_api
    def http_save_producer(self, request, tenant):
        caller(request, tenant, domain.WRITERS)
        return 200, self.ledger.save_producer(tenant, request_json(request))

    @http("GET", BASE + "/<any(producers, areas):kind>")
    @json_api
    def http_list_registry(self, request, tenant, kind):
        caller(request, tenant, domain.READERS)
        return 200, self._registry(tenant, kind)

    @http("PUT", BASE + "/areas")
    @json_api
    def http_save_area(self, request, tenant):
        caller(request, tenant, domain.WRITERS)
        return 200, self.ledger.save_area(tenant, request_json(request))

    @http("PUT", BASE + "/products")
    @json_api
    def http_save_product(self, request, tenant):
        caller(request, tenant, domain.WRITERS)
        return 200, self._save_product(tenant, request_json(request))

    @http("GET", BASE + "/products")
    @json_api
    def http_list_products(self, request, tenant):
        caller(request, tenant, domain.READERS)
        return 200, self._list_products(tenant, request.args.get("page_token", ""),
                                        request.args.get("page_size", "0"))

    @http("GET", BASE + "/products/<gtin>")
    @json_api
    def http_get_product(self, request, tenant, gtin):
        caller(request, tenant, domain.READERS)
        return 200, self.ledger.product(tenant, gtin)

    @http("POST", BASE + "/batches")
    @json_api
    def http_create_batch(self, request, tenant):
        principal = caller(request, tenant, domain.WRITERS)
        return 201, self._create_batch(tenant, request_json(request), principal.subject)

    @http("GET", BASE + "/batches")
    @json_api
    def http_list_batches(self, request, tenant):
        caller(request, tenant, domain.READERS)
        return 200, self._batches(tenant)

    @http("GET", BATCH)
    @json_api
    def http_provenance(self, request, tenant, gtin, lot):
        caller(request, tenant, domain.READERS)
        return 200, self._provenance(tenant, gtin, lot)

    @http("POST", BASE + "/events")
    @json_api
    def http_record_event(self, request, tenant):
        principal = caller(request, tenant, domain.WRITERS)
        return 201, self._record(tenant, request_json(request), principal.subject)

    @http("POST", BASE + "/capture")
    @json_api
    def http_capture(self, request, tenant):
        principal = caller(request, tenant, domain.WRITERS)
        return 202, self._capture(tenant, request_json(request), principal.subject)

    @http("GET", BATCH + "/epcis")
    @json_api
    def http_export(self, request, tenant, gtin, lot):
        caller(request, tenant, domain.READERS)
        return 200, self.ledger.export(tenant, self.ledger.batch_id(gtin, lot))

    @http("POST", BATCH + "/verify")
    @json_api
    def http_verify(self, request, tenant, gtin, lot):
        caller(request, tenant, domain.READERS)
        return 200, self._verify(tenant, self.ledger.batch_id(gtin, lot))

    @http("GET", BATCH + "/scans")
    @json_api
    def http_scans(self, request, tenant, gtin, lot):
        caller(request, tenant, domain.READERS)
        return 200, self.ledger.scan_report(tenant, self.ledger.batch_id(gtin, lot))

    @http("GET", BATCH + "/qr.<kind>")
    @raw_api
    def http_qr(self, request, tenant, gtin, lot, kind):
        caller(request, tenant, domain.READERS)
        body, content_type = self._qr_image(request, tenant, gtin, lot, kind)
        return Response(body, content_type=content_type,
                        headers={"Cache-Control": "private, max-age=3600"})

    @http("GET", BATCH + "/labels")
    @raw_api
    def http_labels(self, request, tenant, gtin, lot):
        caller(request, tenant, domain.READERS)
        body = self._labels(request, tenant, gtin, lot, request.args.get("copies", "12"))
        return Response(body, content_type="text/html; charset=utf-8")
