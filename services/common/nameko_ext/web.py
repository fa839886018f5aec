"""JSON over HTTP from a nameko service: one decorator maps domain errors to status
codes, so every endpoint answers bad input the same way."""
import functools
import json

from werkzeug.wrappers import Response

from .. import errors
from ..auth import Principal, principal_from_header
from ..settings import get_settings

STATUS = {
    errors.InvalidArgument: 400,
    errors.Unauthenticated: 401,
    errors.PermissionDenied: 403,
    errors.NotFound: 404,
    errors.AlreadyExists: 409,
    errors.FailedPrecondition: 409,
    errors.Unavailable: 503,
}


def json_response(status: int, body) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status,
                    mimetype="application/json")


def json_api(method):
    """Wrap an @http method: its return value (status, body) becomes JSON, and a domain
    error becomes {"error": {"code", "message", "fields"}} with the matching status."""

    @functools.wraps(method)
    def handler(self, request, *args, **kwargs):
        try:
            status, body = method(self, request, *args, **kwargs)
        except errors.CommuneError as exc:
            status = STATUS.get(type(exc), 500)
            body = {"error": {"code": type(exc).__name__, "message": str(exc),
                              "fields": getattr(exc, "fields", {})}}
        return json_response(status, body)
    return handler


def request_json(request) -> dict:
    """The request's JSON object body, or InvalidArgument."""
    try:
        body = json.loads(request.get_data(as_text=True) or "null")
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
