import datetime as dt

import jwt
import pytest
from pydantic import SecretStr

from services.common.auth import issue_token, principal_from_header, verify_token
from services.common.errors import InvalidArgument, PermissionDenied, Unauthenticated
from services.common.settings import Settings

SETTINGS = Settings(auth_secret=SecretStr("s" * 40))


def test_a_token_carries_subject_role_and_tenants():
    token = issue_token(SETTINGS, "officer-1", "officer", ["binh-lu", "binh-lu"])
    principal = verify_token(SETTINGS, token)
    assert (principal.subject, principal.role) == ("officer-1", "officer")
    assert principal.tenants == {"binh-lu"}


def test_require_checks_tenant_then_role():
    principal = verify_token(SETTINGS, issue_token(SETTINGS, "p", "province", ["binh-lu"]))
    principal.require("binh-lu")
    principal.require("binh-lu", roles=("province",))
    with pytest.raises(PermissionDenied, match="no access to commune 'lung-phinh'"):
        principal.require("lung-phinh")
    with pytest.raises(PermissionDenied, match="role 'province'"):
        principal.require("binh-lu", roles=("officer",))


def test_require_role_checks_the_role_alone():
    principal = verify_token(SETTINGS, issue_token(SETTINGS, "o", "officer", ["binh-lu"]))
    principal.require_role(("officer", "admin"))
    with pytest.raises(PermissionDenied, match="role 'officer' may not do this"):
        principal.require_role(("operator", "admin"))


@pytest.mark.parametrize("make_token", [
    lambda: issue_token(Settings(auth_secret=SecretStr("o" * 40)), "m", "admin", ["binh-lu"]),
    lambda: issue_token(SETTINGS, "m", "admin", ["binh-lu"], ttl=dt.timedelta(seconds=-1)),
    lambda: issue_token(Settings(auth_secret=SETTINGS.auth_secret, token_issuer="other"),
                        "m", "admin", ["binh-lu"]),
    lambda: jwt.encode({"sub": "m", "role": "root", "tenants": ["binh-lu"], "iss":
                        SETTINGS.token_issuer, "exp": 4102444800},
                       SETTINGS.auth_secret.get_secret_value(), algorithm="HS256"),
    lambda: "garbage",
])
def test_forged_expired_foreign_or_malformed_tokens_are_refused(make_token):
    with pytest.raises(Unauthenticated):
        verify_token(SETTINGS, make_token())


@pytest.mark.parametrize("header", [None, "", "Basic abc", "Bearer ", "token-without-scheme"])
def test_header_must_be_a_bearer_token(header):
    with pytest.raises(Unauthenticated, match="missing bearer token"):
        principal_from_header(SETTINGS, header)


def test_tokens_are_not_issued_for_unknown_roles_or_nobody():
    with pytest.raises(InvalidArgument, match="unknown role"):
        issue_token(SETTINGS, "x", "mayor", ["binh-lu"])
    with pytest.raises(InvalidArgument, match="at least one tenant"):
        issue_token(SETTINGS, "x", "officer", [])
