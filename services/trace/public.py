"""The public side of the trace worker, no token needed: the GS1 Digital Link resolver
(/01/{gtin}[/10/{lot}]) answering with the provenance page, the product page, a linkset or
a friendly 404; rate-limited per client; every batch page served counts a scan. Pages
come from memory (public_state.py): the provenance mirror and the rendered pages, both
refreshed as soon as one of the batch's events is recorded anywhere."""
import json
import time
from importlib import resources
from urllib.parse import urlsplit

from nameko.web.handlers import http
from werkzeug.wrappers import Response

from services.common import metrics
from services.common.api.nameko_doors import principal_of
from services.common.api.openapi import Page
from services.common.clock import now
from services.common.errors import InvalidArgument, NotFound, Unauthenticated
from services.common.nameko_ext.web import client_address

from . import domain, epcis, gs1, page
from .config import get_trace_settings
from .page_cache import PageCache

CSS = resources.files(__package__).joinpath("static", "trace.css").read_bytes()
HTML = "text/html; charset=utf-8"

lookup_seconds = metrics.histogram("trace", "lookup_seconds",
                                   "Public Digital Link lookups, by what they found",
                                   ("outcome",))
scans_total = metrics.counter("trace", "scans_total", "Batch pages served, per product GTIN",
                              ("gtin",))


PAGES = (Page("GET", "/static/trace.css", "The public pages' style sheet", "text/css", True),
         Page("GET", "/01/{gtin}", "GS1 Digital Link: the product's page (?linkType=all: "
              "its links)", "text/html", True),
         Page("GET", "/01/{gtin}/10/{lot}", "GS1 Digital Link: the batch's provenance page, "
              "a scan counted (?lang=en, ?linkType=gs1:epcis|all)", "text/html", True,
              slashes=("lot",)))


BASE_MAX = 200


def public_base(request, asked: str = "") -> str:
    """Where QR codes point: the configured public address (COMMUNE_TRACE_PUBLIC_BASE);
    else the one the caller asked for (the console's own, which passes the resolver's
    pages through); else the host asked."""
    return get_trace_settings().public_base or _checked_base(asked) or request.host_url


def _checked_base(asked: str) -> str:
    if not asked:
        return ""
    parts = urlsplit(asked)
    if (len(asked) > BASE_MAX or parts.scheme not in ("http", "https") or not parts.hostname
            or parts.username or parts.password or parts.query or parts.fragment):
        raise InvalidArgument("base: an http(s) address such as http://192.168.1.10:8080/",
                              {"base": "invalid"})
    return asked


def _relayed(request) -> bool:
    """Whether the caller holds a platform token: the console, passing a phone's scan
    through. Only such a caller is believed about the phone."""
    try:
        return principal_of(request.headers.get("Authorization")) is not None
    except Unauthenticated:
        return False


def relayed_base(request) -> str:
    """The address the phone used, as the relaying console names it (X-Forwarded-Proto
    and X-Forwarded-Host), so that the links answered lead back through it; '' for
    anyone else."""
    host = request.headers.get("X-Forwarded-Host", "")
    if not host or not _relayed(request):
        return ""
    return f"{request.headers.get('X-Forwarded-Proto', 'http')}://{host}/"


def scanner(request) -> tuple[str, bool]:
    """Who scanned, and whether the resolver counts them against its limit. A caller
    with a platform token (the console) has counted the phone already and names it as
    the last X-Forwarded-For entry; anyone else is the client address, limited here."""
    if not _relayed(request):
        return client_address(request), True
    forwarded = [a.strip() for a in request.headers.get("X-Forwarded-For", "").split(",")]
    return (forwarded[-1] or request.remote_addr or "unknown"), False


def _html(status: int, body: str | bytes, **headers) -> Response:
    return Response(body, status=status, content_type=HTML, headers=headers)


class PublicResolver:
    @http("GET", "/static/trace.css")
    def public_css(self, request):
        return Response(CSS, content_type="text/css; charset=utf-8",
                        headers={"Cache-Control": "public, max-age=86400"})

    @http("GET", "/01/<gtin>")
    def public_product(self, request, gtin):
        return self._resolve(request, gtin, "")

    @http("GET", "/01/<gtin>/10/<path:lot>")
    def public_batch(self, request, gtin, lot):
        return self._resolve(request, gtin, lot)

    def _resolve(self, request, gtin: str, lot: str) -> Response:
        started = time.perf_counter()
        lang = page.lang_of(request.args.get("lang"))
        client, limited = scanner(request)
        if limited and not self.public.limit.allow(client):
            lookup_seconds.labels("rate_limited").observe(time.perf_counter() - started)
            return _html(429, page.not_found_page(lang, "Too many requests; try again soon."),
                         **{"Retry-After": str(self.public.limit.retry_after(client))})
        outcome, response = self._answer(request, client, gtin, lot, lang)
        lookup_seconds.labels(outcome).observe(time.perf_counter() - started)
        return response

    def _answer(self, request, client: str, gtin: str, lot: str, lang: str) -> tuple[str, Response]:
        try:
            link = gs1.link(gtin, lot, request.args.get("linkType", ""))
        except InvalidArgument as exc:
            return "malformed", _html(404, page.not_found_page(lang, str(exc)))
        if link.link_type == "all":
            return self._linkset(request, link)
        if link.lot and link.link_type != "gs1:pip":
            batch = domain.batch_id(link.gtin, link.lot)
            if link.link_type == "gs1:epcis":
                return self._epcis(batch)
            found = self._batch_page(batch, lang)
            if found is not None:
                tenant, body, hit = found
                self.public.scans.add(tenant, batch, domain.scan_origin(client),
                                      now())
                scans_total.labels(link.gtin).inc()
                return ("batch_cached" if hit else "batch"), _html(200, body)
        found = self._product_page(link.gtin, lang)
        if found is None:
            return "not_found", _html(404, page.not_found_page(
                lang, f"GTIN {link.gtin}" + (f" · {link.lot}" if link.lot else "")))
        return "product", _html(200, found)

    def _batch_page(self, batch: str, lang: str):
        cache: PageCache = self.public.pages
        key = ("batch", batch, lang)
        cached = cache.get(key, time.monotonic())
        if cached is not None:
            return (*cached, True)
        snapshot = self.public.snapshot(batch)
        if snapshot is None:
            return None
        value = (snapshot["tenant"], page.batch_page(snapshot, lang).encode())
        cache.put(key, batch, value, time.monotonic())
        return (*value, False)

    def _product_page(self, gtin: str, lang: str) -> bytes | None:
        key = ("product", gtin, lang)
        cached = self.public.pages.get(key, time.monotonic())
        if cached is not None:
            return cached
        try:
            product = self.use_cases().ledger.product_public(gtin)
        except NotFound:
            return None
        body = page.product_page(product, product["producer_view"], lang).encode()
        self.public.pages.put(key, gtin, body, time.monotonic())
        return body

    def _epcis(self, batch: str) -> tuple[str, Response]:
        snapshot = self.public.snapshot(batch)
        if snapshot is None:
            return "not_found", _html(404, page.not_found_page("vi", batch))
        document = self.use_cases().ledger.export(snapshot["tenant"], batch)
        return "epcis", Response(json.dumps(document, ensure_ascii=False),
                                 content_type="application/ld+json")

    def _linkset(self, request, link: gs1.DigitalLink) -> tuple[str, Response]:
        """The links this resolver has for a code, in the RFC 9264 linkset form GS1
        resolvers answer linkType=all with."""
        known = self.public.snapshot(domain.batch_id(link.gtin, link.lot)) if link.lot else None
        if known is None and self._product_page(link.gtin, "vi") is None:
            return "not_found", Response(json.dumps({"error": "unknown code"}), status=404,
                                         content_type="application/json")
        base = public_base(request, relayed_base(request))
        target = gs1.DigitalLink(link.gtin, link.lot if known else "")
        here = target.uri(base)
        voc = "https://gs1.org/voc/"
        links = {
            f"{voc}pip": [{"href": f"{here}?linkType=gs1:pip", "type": "text/html",
                           "hreflang": ["vi", "en"], "title": "Product information"}],
        }
        if known:
            links[f"{voc}traceability"] = [{"href": here, "type": "text/html",
                                            "hreflang": ["vi", "en"], "title": "Provenance"}]
            links[f"{voc}epcis"] = [{"href": f"{here}?linkType=gs1:epcis",
                                     "type": "application/ld+json", "title": "EPCIS 2.0"}]
            links[f"{voc}certificationInfo"] = [{"href": f"{here}#certs", "type": "text/html",
                                                 "title": "Certifications"}]
        links[f"{voc}defaultLink"] = [links.get(f"{voc}traceability", links[f"{voc}pip"])[0]]
        body = {"linkset": [{"anchor": target.uri(epcis.CANONICAL_DL), **links}]}
        return "linkset", Response(json.dumps(body), content_type="application/linkset+json")
