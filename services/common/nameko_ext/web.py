"""JSON over HTTP from a nameko service not yet on the operations table
(services/common/api): one decorator answers every error as problem+json, so every
endpoint answers bad input the same way; who the client is, and how
often it may call the public endpoints."""
import functools
import json
import math
import time

from limits import parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from werkzeug.wrappers import Response

from .. import errors, json_body
from ..api import problems
from ..auth import Principal, principal_from_header
from ..settings import get_settings


def json_response(status: int, body, media_type: str = "application/json") -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=media_type)


def json_api(method):
    """Wrap an @http method: its return value (status, body) becomes JSON (a Response, a
    file, goes as it is), and an error the RFC 9457 problem body every HTTP API answers
    (services/common/api/problems.py)."""

    @functools.wraps(method)
    def handler(self, request, *args, **kwargs):
        try:
            answer = method(self, request, *args, **kwargs)
            if isinstance(answer, Response):
                return answer
            status, body = answer
        except errors.CommuneError as exc:
            body = problems.from_error(exc)
            return json_response(body["status"], body, problems.MEDIA_TYPE)
        except Exception as exc:
            body = problems.unexpected(exc)
            return json_response(body["status"], body, problems.MEDIA_TYPE)
        return json_response(status, body)
    return handler


def request_json(request) -> dict:
    """The request's JSON object body, or InvalidArgument."""
    try:
        body = json_body.loads(request.get_data(as_text=True) or "null")
    except ValueError as exc:
        raise errors.InvalidArgument(f"body is not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise errors.InvalidArgument("body must be a JSON object")
    return body


def caller(request, tenant: str, roles) -> Principal:
    """The principal of the request's bearer token, if it allows `tenant` and `roles`."""
    principal = principal_from_header(get_settings(), request.headers.get("Authorization"))
    principal.require(tenant, roles)
    return principal


def client_address(request) -> str:
    """The HTTP client's address (forwarded_client)."""
    return forwarded_client(request.headers.get("X-Forwarded-For", ""), request.remote_addr)


def forwarded_client(forwarded_for: str, peer: str | None) -> str:
    """A client's address: the peer's, or behind `trusted_proxies` reverse proxies (an
    ingress) the one the outermost of them appended to X-Forwarded-For. Entries before
    that are the client's own say and are not believed."""
    hops = get_settings().trusted_proxies
    forwarded = [a.strip() for a in forwarded_for.split(",") if a.strip()]
    if hops and len(forwarded) >= hops:
        return forwarded[-hops]
    return peer or "unknown"


class ClientLimit:
    """Requests allowed per client in this process, in the limits library's notation:
    "30/minute", or several at once such as "30 per 10 seconds;120/minute"."""

    def __init__(self, spec: str, scope: str):
        self._limits = parse_many(spec)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._scope = scope
        self.spec = spec

    def allow(self, client: str) -> bool:
        return all(self._limiter.hit(limit, self._scope, client) for limit in self._limits)

    def retry_after(self, client: str) -> int:
        """Whole seconds until every limit the client has used up lets it in again."""
        windows = [self._limiter.get_window_stats(limit, self._scope, client)
                   for limit in self._limits]
        reset = max((w.reset_time for w in windows if w.remaining == 0), default=time.time())
        return max(1, math.ceil(reset - time.time()))
