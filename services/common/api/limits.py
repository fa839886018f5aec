"""How often one client may call a service's public operations: they need no token, so
the client's address is all there is to count (per process, like the doors' state). A
caller with a valid token is known and not counted, over every door: the console's kiosk
calls with its own and counts each citizen itself (services/console/citizens.py), where
the service would see one address for all of them."""
from .. import errors
from ..auth import Principal
from ..nameko_ext.web import ClientLimit, forwarded_client
from .operations import Operation


class PublicLimit:
    """`spec` in the limits library's notation ("30/minute"); empty for no limit."""

    def __init__(self, spec: str, scope: str):
        self._limit = ClientLimit(spec, scope) if spec else None

    def check(self, operation: Operation, principal: Principal | None, client: str) -> None:
        """ResourceExhausted (429) when the operation is public, its caller has no token
        and `client` has used up its allowance."""
        if self._limit is None or not operation.public or principal is not None:
            return
        if not self._limit.allow(client):
            raise errors.ResourceExhausted(
                f"too many requests from this client (limit {self._limit.spec}); wait a "
                "moment and try again")


def grpc_client(context) -> str:
    """A gRPC caller's address, read as an HTTP client's is (forwarded_client): the
    peer's without its port ("ipv4:10.0.0.7:53412" -> "ipv4:10.0.0.7"), which changes with
    each connection, or the one a trusted ingress put in x-forwarded-for."""
    address, _, port = context.peer().rpartition(":")
    peer = address if address and port.isdigit() else context.peer()
    return forwarded_client(dict(context.invocation_metadata()).get("x-forwarded-for", ""),
                            peer)
