"""Bearer tokens (HS256-signed JWT) carrying a subject, a role and the tenants it may
touch, and the one check every entry point uses: RPC, HTTP and gRPC."""
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import jwt

from .errors import InvalidArgument, PermissionDenied, Unauthenticated
from .settings import Settings

# reviewer: a native speaker who reviews the assistant's Hmong or Thái wording.
ROLES = ("admin", "officer", "operator", "province", "citizen", "reviewer")
DEFAULT_TTL = dt.timedelta(hours=12)


@dataclass(frozen=True)
class Principal:
    subject: str
    role: str
    tenants: frozenset[str]

    def require_role(self, roles: Iterable[str]) -> None:
        """PermissionDenied unless this principal has one of `roles` (for a call that
        names its tenants later, item by item)."""
        if self.role not in roles:
            raise PermissionDenied(f"role {self.role!r} may not do this")

    def require(self, tenant: str, roles: Iterable[str] | None = None) -> None:
        """PermissionDenied unless this principal may act on `tenant` (in one of `roles`)."""
        if roles is not None:
            self.require_role(roles)
        if tenant not in self.tenants:
            raise PermissionDenied(f"{self.subject!r} has no access to commune {tenant!r}")


def issue_token(settings: Settings, subject: str, role: str, tenants: Iterable[str],
                ttl: dt.timedelta = DEFAULT_TTL) -> str:
    tenants = sorted(set(tenants))
    if role not in ROLES:
        raise InvalidArgument(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    if not subject or not tenants:
        raise InvalidArgument("a token needs a subject and at least one tenant")
    now = dt.datetime.now(dt.UTC)
    claims = {"sub": subject, "role": role, "tenants": tenants,
              "iss": settings.token_issuer, "iat": now, "exp": now + ttl}
    return jwt.encode(claims, settings.auth_secret.get_secret_value(), algorithm="HS256")


def verify_token(settings: Settings, token: str) -> Principal:
    try:
        claims = jwt.decode(token, settings.auth_secret.get_secret_value(), algorithms=["HS256"],
                            issuer=settings.token_issuer,
                            options={"require": ["sub", "exp", "iss"]})
    except jwt.PyJWTError as exc:  # said in our words: the library's text is not an answer
        raise Unauthenticated(f"invalid token: {_reason(exc)}") from None
    role, tenants = claims.get("role"), claims.get("tenants")
    if role not in ROLES or not isinstance(tenants, list):
        raise Unauthenticated("invalid token: role or tenants claim missing or malformed")
    return Principal(subject=claims["sub"], role=role, tenants=frozenset(map(str, tenants)))


def _reason(error: jwt.PyJWTError) -> str:
    if isinstance(error, jwt.ExpiredSignatureError):
        return "expired"
    if isinstance(error, jwt.InvalidIssuerError):
        return "not issued by this platform"
    if isinstance(error, jwt.MissingRequiredClaimError):
        return f"no {error.claim!r} claim"
    if isinstance(error, jwt.ImmatureSignatureError):
        return "not valid yet"
    return "not a token signed by this platform"


def principal_from_header(settings: Settings, authorization: str | None) -> Principal:
    """The principal of an 'Authorization: Bearer <token>' value."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("missing bearer token (Authorization: Bearer <token>)")
    return verify_token(settings, token.strip())
