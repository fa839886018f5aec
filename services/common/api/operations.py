"""One table of operations per service: each names its use case, its request and response
models, the roles allowed, whether it is public, what its `tenant` names (a commune or a
province), and the doors that expose it (an HTTP route, a gRPC method, a nameko RPC method of
its service unless it streams). An operation of province scope may name a province: its
application's `communes(tenant)` says which communes that stands for, and the caller's
token must name every one (tokens name communes; a province stands for all of its own).
`authorize` is the platform's one role check and `invoke` the one way a door runs an
operation."""
import dataclasses
import re
from collections.abc import Callable, Iterator, Sequence

from pydantic import BaseModel

from .. import errors
from ..auth import Principal
from .models import ApiModel, Request

# What a request's `tenant` names; "item": the request names none, each of its items (a
# stream of detections) names its own commune, which its use case checks item by item.
SCOPES = ("commune", "province", "item")
FILE_FIELD = "content"  # the request's field a file body fills, the answer's a file is in


@dataclasses.dataclass(frozen=True)
class Route:
    """An operation's HTTP route. Bodies and answers are JSON, except a file: `upload`
    names the media type of a body that is one (its bytes are the request's `content`,
    the other fields come from the query), `download` that of an answer that is one (the
    response's `content`, sent as its `filename`)."""

    method: str
    path: str  # OpenAPI template, e.g. /api/v1/communes/{tenant}/tasks/{id}
    status: int = 200
    slashes: tuple[str, ...] = ()  # path parameters whose values may hold "/" (a GS1 lot)
    upload: str = ""
    upload_limit: int = 0  # bytes; a larger body is refused before it is read
    download: str = ""

    def __post_init__(self):
        assert not self.upload or (self.method != "GET" and self.upload_limit > 0), self

    @property
    def path_params(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)

    @property
    def werkzeug_path(self) -> str:
        return re.sub(r"{(\w+)}", lambda m: f"<path:{m[1]}>" if m[1] in self.slashes
                      else f"<{m[1]}>", self.path)


@dataclasses.dataclass(frozen=True)
class Operation:
    name: str  # the use case's method on the application, and the RPC method name
    summary: str
    request: type[Request]
    response: type[ApiModel]
    roles: tuple[str, ...]
    http: Route | None = None
    grpc: str = ""  # the method of the service's gRPC contract, if it has one
    rpc: bool = True  # a stream (a gRPC server stream) is no nameko RPC method
    public: bool = False
    scope: str = "commune"
    example: dict | None = None  # a request (wire names) for the OpenAPI document

    def __post_init__(self):
        assert self.scope in SCOPES, self.scope


class Operations:
    """A service's operations, in the order its documentation lists them."""

    def __init__(self, service: str, *operations: Operation):
        self.service = service
        self._by_name = {op.name: op for op in operations}
        assert len(self._by_name) == len(operations), "operation names must be unique"

    def __iter__(self) -> Iterator[Operation]:
        return iter(self._by_name.values())

    def __getitem__(self, name: str) -> Operation:
        return self._by_name[name]


def authorize(principal: Principal | None, operation: Operation, tenant: str,
              communes: Callable[[str], Sequence[str]] | None = None) -> None:
    """Unauthenticated without a caller, PermissionDenied unless its role is one the
    operation allows and its token names `tenant` (for an operation of province scope:
    every one of `communes(tenant)`; of scope "item", the role alone: for the whole call,
    before any item is read); nothing for a public operation."""
    if operation.public:
        return
    if principal is None:
        raise errors.Unauthenticated("missing bearer token (Authorization: Bearer <token>)")
    if operation.scope == "item":
        principal.require_role(operation.roles)
        return
    if operation.scope != "province":
        principal.require(tenant, operation.roles)
        return
    principal.require_role(operation.roles)
    named = communes(tenant)
    if not named:
        raise errors.PermissionDenied(f"{tenant!r} has no communes to act on")
    for commune in named:
        principal.require(commune)


def parse(operation: Operation, data: object) -> Request:
    """The operation's request from a JSON object, or InvalidArgument naming each field."""
    return errors.validated(operation.request, data, f"{operation.name} request")


def invoke(application, operation: Operation, principal: Principal | None,
           request: BaseModel) -> ApiModel:
    """Authorize the caller, then run the use case: application.<name>(principal, request)."""
    authorize(principal, operation, getattr(request, "tenant", ""),
              getattr(application, "communes", None))
    return getattr(application, operation.name)(principal, request)
