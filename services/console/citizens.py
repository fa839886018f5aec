"""Each citizen at the public kiosk is counted apart. The assistant limits its public
questions per client address, and every citizen's question reaches it from the
console's: so the console counts each citizen itself (the same allowance,
COMMUNE_ASSISTANT_RATE_LIMIT) and calls the assistant with a token of its own, which the
assistant does not count (services/common/api/limits.py). Phones scanning a QR label
through the console are counted the same way (COMMUNE_TRACE_RATE_LIMIT, the trace
resolver's own allowance; services/trace/public.py)."""
import datetime as dt
import ipaddress

from starlette.requests import Request

from services.common.auth import issue_token
from services.common.nameko_ext.web import ClientLimit
from services.common.settings import Settings
from services.directory import tree

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
KIOSK_SUBJECT = "console-kiosk"
RESOLVER_SUBJECT = "console-resolver"
KIOSK_TOKEN_TTL = dt.timedelta(minutes=5)  # minted per question: no longer than a call


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(hop: str, proxies: tuple[Network, ...]) -> bool:
    address = _address(hop)
    return address is not None and any(address in network for network in proxies)


def client_address(peer: str | None, forwarded_for: str, proxies: tuple[Network, ...]) -> str:
    """Who asked: the peer, unless it is a proxy the console trusts; then, walking
    X-Forwarded-For from its right end (the hop each proxy appended), the first address
    that is not a trusted proxy. What lies left of it is the client's own say, never
    believed; with no trusted proxies X-Forwarded-For is not read at all."""
    hops = [peer or "unknown"]
    if proxies:
        hops += [a.strip() for a in reversed(forwarded_for.split(",")) if a.strip()]
    for hop in hops[:-1]:
        if not _trusted(hop, proxies):
            return hop
    return hops[-1]


def citizen(request: Request, proxies: tuple[Network, ...]) -> str:
    return client_address(request.client.host if request.client else None,
                          request.headers.get("X-Forwarded-For", ""), proxies)


class CitizenLimit:
    """Requests one citizen (the kiosk's questions, a phone's scans) may send in this
    console process, in the limits library's notation; an empty spec for none."""

    def __init__(self, spec: str, scope: str):
        self._limit = ClientLimit(spec, scope) if spec else None

    def wait_s(self, client: str) -> int:
        """0 when `client` may ask now (and counts this one); otherwise the whole seconds
        until it may."""
        if self._limit is None or self._limit.allow(client):
            return 0
        return self._limit.retry_after(client)


def kiosk_token(settings: Settings, commune: str) -> str:
    """The kiosk's own token for the assistant's public operations of one commune."""
    return issue_token(settings, KIOSK_SUBJECT, "citizen", [commune], KIOSK_TOKEN_TTL)


def resolver_token(settings: Settings) -> str:
    """The console's token for the trace resolver's public pages: it vouches for the
    scanner it names (any commune's code may be scanned)."""
    communes = [u["code"] for u in tree.units() if u["kind"] == "commune"]
    return issue_token(settings, RESOLVER_SUBJECT, "citizen", communes, KIOSK_TOKEN_TTL)
