"""Every HTTP error as one RFC 9457 body (application/problem+json): the status, a title,
the human-readable detail, `code` (the canonical gRPC status name, the same a gRPC client
gets), `field` and `fields` when input was at fault. An unexpected failure answers only
an `errorId`, logged with the exception, never the exception's text."""
import uuid

import pymongo.errors

from .. import errors, logs
from ..broker_lost import BROKER_LOST
from .models import wire_name

log = logs.get_logger(__name__)
MEDIA_TYPE = "application/problem+json"

# error class -> (HTTP status, gRPC status name)
CODES = {
    errors.InvalidArgument: (400, "INVALID_ARGUMENT"),
    errors.Unauthenticated: (401, "UNAUTHENTICATED"),
    errors.PermissionDenied: (403, "PERMISSION_DENIED"),
    errors.NotFound: (404, "NOT_FOUND"),
    errors.AlreadyExists: (409, "ALREADY_EXISTS"),
    errors.FailedPrecondition: (409, "FAILED_PRECONDITION"),
    errors.ResourceExhausted: (429, "RESOURCE_EXHAUSTED"),
    errors.Unavailable: (503, "UNAVAILABLE"),
    errors.Internal: (500, "INTERNAL"),
}
TITLES = {400: "Bad request", 401: "Unauthenticated", 403: "Forbidden", 404: "Not found",
          409: "Conflict", 429: "Too many requests", 500: "Internal error", 503: "Unavailable"}

SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string", "description": "about:blank"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "what was wrong, for a human"},
        "code": {"type": "string", "enum": sorted({c for _, c in CODES.values()}),
                 "description": "the canonical gRPC status name"},
        "field": {"type": "string", "description": "the first field at fault"},
        "fields": {"type": "object", "additionalProperties": {"type": "string"},
                   "description": "each field at fault and what is wrong with it"},
        "errorId": {"type": "string", "description": "INTERNAL only: quote it to the operators"},
    },
}


def problem(status: int, code: str, detail: str, fields: dict[str, str] | None = None) -> dict:
    body = {"type": "about:blank", "title": TITLES.get(status, "Error"), "status": status,
            "detail": detail, "code": code}
    if fields:
        named = {wire_name(name): reason for name, reason in fields.items()}
        body.update(field=next(iter(named)), fields=named)
    return body


def from_error(error: errors.CommuneError) -> dict:
    status, code = CODES.get(type(error), (500, "INTERNAL"))
    return problem(status, code, str(error), getattr(error, "fields", None))


def internal_error(error: BaseException) -> errors.Internal:
    """What any door answers for a failure nobody planned for: an error id, logged here
    with the exception; never the exception's text."""
    error_id = uuid.uuid4().hex[:16]
    log.error("call failed", error_id=error_id, exc_info=error)
    return errors.Internal(error_id)


# The database or the broker out of reach (an outage, a restart): the call may succeed
# later, so it is UNAVAILABLE (503), which clients retry, not a failure nobody planned for.
OUT_OF_REACH = {pymongo.errors.ConnectionFailure: "the database",
                **dict.fromkeys(BROKER_LOST[1:], "the broker")}


def failure(error: BaseException) -> errors.CommuneError:
    """What a door answers for an exception that is no CommuneError: UNAVAILABLE when a
    server is out of reach, else an internal error with an id."""
    for kind, what in OUT_OF_REACH.items():
        if isinstance(error, kind):
            log.warning("call failed: a server is out of reach", server=what,
                        error=type(error).__name__)
            return errors.Unavailable(f"{what} cannot be reached now; try again shortly")
    return internal_error(error)


def unexpected(error: BaseException) -> dict:
    found = failure(error)
    if not isinstance(found, errors.Internal):
        return from_error(found)
    return {**problem(500, "INTERNAL", str(found)), "errorId": found.error_id}
