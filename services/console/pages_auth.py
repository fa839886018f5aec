"""Signing in and out, the language switch, the home page and the admin's accounts."""
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from services.common import errors

from .accounts import ROLES
from .web import (
    LANG_COOKIE,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    CheckedForm,
    Me,
    Viewer,
    new_login_csrf,
    render,
)

router = APIRouter()
# Where each role lands after signing in.
HOME = {"operator": "ioc", "admin": "ioc", "officer": "tasks", "province": "kpi"}


def _login_page(request: Request, status: int = 200, problem: str = ""):
    csrf = new_login_csrf()
    page = render(request, "login.html", status, viewer=None, csrf=csrf, problem=problem)
    page.set_cookie(LOGIN_CSRF_COOKIE, csrf, httponly=True, samesite="lax",
                    secure=request.app.state.console.console.secure_cookie)
    return page


@router.get("/login")
def login_form(request: Request):
    return _login_page(request)


@router.post("/login")
def login(request: Request, username: Annotated[str, Form(max_length=40)],
          password: Annotated[str, Form(max_length=200)],
          csrf: Annotated[str, Form(max_length=64)] = ""):
    app = request.app.state.console
    if not csrf or csrf != request.cookies.get(LOGIN_CSRF_COOKIE):
        return _login_page(request, 403, "forbidden")
    try:
        account = app.accounts.authenticate(username, password)
    except errors.Unauthenticated:
        return _login_page(request, 401, "wrong_login")
    except errors.PermissionDenied:
        return _login_page(request, 403, "locked")
    session = app.sessions.open(account)
    answer = RedirectResponse("/", 303)
    answer.set_cookie(SESSION_COOKIE, session["_id"], httponly=True, samesite="lax",
                      secure=app.console.secure_cookie,
                      max_age=int(app.console.session_hours * 3600))
    answer.delete_cookie(LOGIN_CSRF_COOKIE)
    return answer


@router.post("/logout")
def logout(request: Request, _: CheckedForm):
    request.app.state.console.sessions.close(request.cookies[SESSION_COOKIE])
    answer = RedirectResponse("/login", 303)
    answer.delete_cookie(SESSION_COOKIE)
    return answer


@router.get("/lang/{lang}")
def switch_language(request: Request, lang: str):
    back = request.headers.get("referer") or "/"
    answer = RedirectResponse(back if back.startswith(str(request.base_url)) else "/", 303)
    answer.set_cookie(LANG_COOKIE, "en" if lang == "en" else "vi", samesite="lax",
                      max_age=365 * 86400)
    return answer


@router.get("/")
def home(me: Me):
    return RedirectResponse(f"/c/{me.communes[0]}/{HOME[me.role]}", 303)


@router.get("/c/{commune}")
def commune_home(commune: str, me: Me):
    return RedirectResponse(f"/c/{commune}/{HOME[me.role]}", 303)


@router.get("/switch")
def switch_commune(me: Me, to: str, screen: str = ""):
    """The commune switcher (a province user's communes): the same screen of another."""
    if to not in me.communes:
        raise errors.PermissionDenied("not allowed")
    screen = screen if screen in HOME.values() or screen in ("trace", "desk", "reports") else ""
    return RedirectResponse(f"/c/{to}/{screen or HOME[me.role]}", 303)


@router.get("/admin/accounts")
def accounts_page(me: Me, done: str = ""):
    me.require("accounts")
    accounts = me.app.accounts.list(_scopes_of(me))
    return me.page("accounts.html", accounts=accounts, roles=ROLES, done=done,
                   scopes=_scopes_of(me))


def _scopes_of(me: Viewer) -> list[str]:
    """What an admin may give and manage: accounts of its own communes (a commune's
    admin never makes or resets a province's staff)."""
    return list(me.communes)


@router.post("/admin/accounts")
def create_account(me: Me, form: CheckedForm):
    me.require("accounts")
    scope = form.get("scope", "")
    if scope not in _scopes_of(me):
        raise errors.PermissionDenied("scope beyond the admin's communes")
    me.app.accounts.create(form.get("username", ""), form.get("name", ""),
                           form.get("role", ""), scope, form.get("password", ""),
                           me.account["_id"])
    return RedirectResponse("/admin/accounts?done=saved", 303)


@router.post("/admin/accounts/{username}/password")
def reset_password(username: str, me: Me, form: CheckedForm):
    me.require("accounts")
    target = me.app.accounts.get(username)
    if target is None or target["scope"] not in _scopes_of(me):
        raise errors.NotFound(f"no account {username!r}")
    me.app.accounts.reset_password(username, form.get("password", ""), me.account["_id"])
    return RedirectResponse("/admin/accounts?done=saved", 303)
