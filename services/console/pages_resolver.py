"""The GS1 Digital Link resolver's public pages (/01/{gtin}[/10/{lot}]) passed through
to the trace worker: a phone on the commune's LAN reaches the console, rarely the
worker, so the QR labels printed here name the console's own address
(COMMUNE_TRACE_PUBLIC_BASE, when set, names another). Each phone is counted here
(citizens.py) and named to the worker, which records the scan's origin."""
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.common.api_client import ServiceClient

from .citizens import citizen, resolver_token
from .config import ConsoleSettings

router = APIRouter()
PASSED_ON = ("Content-Type", "Cache-Control", "Retry-After")


def own_address(request: Request, console: ConsoleSettings) -> str:
    """The address the browser used for the console (https behind a TLS proxy)."""
    scheme = "https" if console.secure_cookie else request.url.scheme
    return f"{scheme}://{request.url.netloc}/"


def trace_styled(html: str) -> str:
    """A trace page names its stylesheet under /static/, which the console serves as
    /trace-static/ (its own /static/ holds the console's)."""
    return html.replace('href="/static/', 'href="/trace-static/')


@router.get("/01/{gtin}")
def product(request: Request, gtin: str):
    return _passed_through(request, f"/01/{quote(gtin, safe='')}")


@router.get("/01/{gtin}/10/{lot:path}")
def batch(request: Request, gtin: str, lot: str):
    return _passed_through(request, f"/01/{quote(gtin, safe='')}/10/{quote(lot, safe='/')}")


def _passed_through(request: Request, path: str) -> Response:
    app = request.app.state.console
    phone = citizen(request, app.console.trusted_proxies)
    wait_s = app.scan_limit.wait_s(phone)
    if wait_s:
        return HTMLResponse("<p>Quá nhiều lượt quét; vui lòng thử lại sau giây lát. "
                            "Too many scans; try again soon.</p>", 429,
                            headers={"Retry-After": str(wait_s)})
    # the phone, and the address it used: the links a page answers lead back through here
    address = urlsplit(own_address(request, app.console))
    relayed = {"X-Forwarded-For": phone, "X-Forwarded-Host": address.netloc,
               "X-Forwarded-Proto": address.scheme}
    with ServiceClient(app.settings, resolver_token(app.settings)) as api:
        answer = api.raw("trace", path, dict(request.query_params), relayed, check=False)
    body = answer.content
    if answer.headers.get("Content-Type", "").startswith("text/html"):
        body = trace_styled(answer.text).encode()
    return Response(body, answer.status_code,
                    {k: answer.headers[k] for k in PASSED_ON if k in answer.headers})
