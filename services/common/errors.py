"""Errors every entry point understands: RPC passes them by name, gRPC and HTTP map
them to their status codes."""


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


class Unavailable(CommuneError):
    """A dependency (broker, database) cannot be reached."""


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
    """`fields` (a JSON object) as a pydantic `model`, or InvalidArgument naming each
    field at fault."""
    from pydantic import ValidationError

    if not isinstance(fields, dict):
        raise InvalidArgument(f"{what} must be a JSON object")
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        raise from_pydantic(exc, f"invalid {what}") from None
    except InvalidArgument as exc:  # raised inside a validator (a period that does not parse)
        raise InvalidArgument(f"invalid {what}: {exc}", exc.fields) from None
