"""Errors every entry point understands: RPC passes them by name, gRPC and HTTP map
them to their status codes."""
from pydantic import TypeAdapter, ValidationError


class CommuneError(Exception):
    """Base of the errors a caller is meant to see, with a human-readable message."""


class InvalidArgument(CommuneError):
    """Bad input. `fields` maps a field path to what is wrong with it."""

    def __init__(self, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.fields = fields or {}


class NotFound(CommuneError):
    pass


class AlreadyExists(CommuneError):
    pass


class FailedPrecondition(CommuneError):
    """The request is well formed but the object's state forbids it (a lifecycle move
    that is not allowed, a change made meanwhile by someone else)."""


class Unauthenticated(CommuneError):
    pass


class PermissionDenied(CommuneError):
    pass


class ResourceExhausted(CommuneError):
    """The caller has used up its allowance (a public endpoint's rate limit)."""


class Unavailable(CommuneError):
    """A dependency (broker, database) cannot be reached."""


class Internal(CommuneError):
    """A failure nobody planned for; its message carries only the id under which the
    exception was logged."""

    def __init__(self, error_id: str):
        super().__init__(f"internal error; error id {error_id}")
        self.error_id = error_id


EXPECTED = (InvalidArgument, NotFound, AlreadyExists, FailedPrecondition, Unauthenticated,
            PermissionDenied)


def from_pydantic(error, message: str = "invalid input") -> InvalidArgument:
    """An InvalidArgument naming each field a pydantic ValidationError found at fault."""
    fields = {
        ".".join(str(p) for p in e["loc"]) or "(input)": e["msg"] for e in error.errors()
    }
    detail = "; ".join(f"{k}: {v}" for k, v in fields.items())
    return InvalidArgument(f"{message}: {detail}", fields)


def validated(model, fields: object, what: str):
    """`fields` (a JSON object) as the pydantic `model` (a model class, or a TypeAdapter
    for a union of them), or InvalidArgument naming `what` and each field at fault (also
    when a validator raised InvalidArgument itself)."""
    if not isinstance(fields, dict):
        raise InvalidArgument(f"{what} must be a JSON object")
    try:
        if isinstance(model, TypeAdapter):
            return model.validate_python(fields)
        return model.model_validate(fields)
    except ValidationError as exc:
        raise from_pydantic(exc, f"invalid {what}") from None
    except InvalidArgument as exc:
        raise InvalidArgument(f"invalid {what}: {exc}", exc.fields) from None


def require_fields(request, *names: str) -> None:
    """InvalidArgument naming each of `names` that the request (a proto message) leaves
    empty."""
    missing = {name: "required" for name in names if not getattr(request, name)}
    if missing:
        raise InvalidArgument(f"{', '.join(missing)} required", missing)


def named_once(fields: dict, key: str, named: str) -> dict:
    """`fields` (a request body) with `key` set to `named`, what the call itself names
    (the tenant in the path, the unit of the call); InvalidArgument when the body names
    another, so that a body about one commune is never quietly filed under another."""
    given = fields.get(key)
    if given not in (None, "", named):
        raise InvalidArgument(f"{key} {given!r} in the body differs from {named!r} that the "
                              "request names", {key: f"not {named!r}"})
    return {**fields, key: named}
