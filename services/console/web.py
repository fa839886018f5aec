"""The console's frame: who is signed in (session cookie, CSRF token, the bearer token
minted for the user), which communes the user may see, pages rendered in the user's
language, and errors shown as pages that say what was wrong."""
import datetime as dt
import html
import secrets
import uuid
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated

import structlog
from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import FormData

from services.common import clock, errors
from services.common.api_client import ServiceClient
from services.common.auth import issue_token
from services.common.settings import Settings
from services.directory import tree

from . import i18n
from .accounts import AccountStore
from .citizens import CitizenLimit
from .config import ConsoleSettings
from .sessions import SessionStore, csrf_ok

log = structlog.get_logger()
SESSION_COOKIE = "console_session"
LOGIN_CSRF_COOKIE = "console_login_csrf"
LANG_COOKIE = "console_lang"
# Which screens each role reaches (the services check every call again).
SCREENS = {
    "ioc": ("admin", "officer", "operator", "province"),
    "kpi": ("admin", "officer", "operator", "province"),
    "tasks": ("admin", "officer", "operator", "province"),
    "trace": ("admin", "officer", "operator", "province"),
    "desk": ("admin", "officer"),
    "reports": ("admin", "officer", "province"),
    # A province's communes side by side: its staff's screen (and an admin's).
    "province": ("admin", "province"),
    "accounts": ("admin",),
}
STATUS_OF = {errors.InvalidArgument: 400, errors.Unauthenticated: 401,
             errors.PermissionDenied: 403, errors.NotFound: 404, errors.AlreadyExists: 409,
             errors.FailedPrecondition: 409, errors.ResourceExhausted: 429,
             errors.Unavailable: 503}
_env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                   autoescape=select_autoescape(["html"]), trim_blocks=True,
                   lstrip_blocks=True)
_names = {unit["code"]: unit["name"] for unit in tree.units()}
# A form with a file (an Excel plan of 4 MB at most) and its fields.
MAX_FORM_BYTES = 5 * 2**20


def unit_name(code: str) -> str:
    """A province's, commune's or village's name (its code when the tree has none)."""
    return _names.get(code, code)


class SignInNeeded(Exception):
    """No valid session: the page sends the browser to the sign-in form."""


@dataclass
class Console:
    """What every request handler shares: settings and the console's stores."""
    settings: Settings
    console: ConsoleSettings
    accounts: AccountStore
    sessions: SessionStore
    kiosk_limit: CitizenLimit
    scan_limit: CitizenLimit


def lang_of(request: Request) -> str:
    lang = request.cookies.get(LANG_COOKIE, "vi")
    return lang if lang in i18n.LANGUAGES else "vi"


def render(request: Request, template: str, status: int = 200, **values) -> HTMLResponse:
    lang = lang_of(request)
    text = _env.get_template(template).render(
        request=request, lang=lang, t=lambda key: i18n.word(lang, key),
        num=lambda v, d=2: i18n.number(lang, v, d), day=lambda v: i18n.date(lang, v),
        unit_name=unit_name, **values)
    return HTMLResponse(text, status_code=status)


@dataclass
class Viewer:
    """The signed-in user of one request."""
    app: Console
    request: Request
    account: dict
    session: dict

    @property
    def role(self) -> str:
        return self.account["role"]

    @property
    def communes(self) -> list[str]:
        return self.account["communes"]

    @property
    def csrf(self) -> str:
        return self.session["csrf"]

    @cached_property
    def token(self) -> str:
        left = max(self.session["expires"] - clock.now(), dt.timedelta(minutes=1))
        return issue_token(self.app.settings, self.account["_id"], self.role, self.communes,
                           left)

    def client(self) -> ServiceClient:
        return ServiceClient(self.app.settings, self.token)

    def may(self, screen: str) -> bool:
        return self.role in SCREENS[screen]

    def require(self, screen: str, commune: str | None = None) -> None:
        """PermissionDenied unless the user may see this screen of this commune: the
        console's own check, before any call (a direct URL included)."""
        if not self.may(screen) or (commune is not None and commune not in self.communes):
            raise errors.PermissionDenied("not allowed")

    def page(self, template: str, status: int = 200, **values) -> HTMLResponse:
        return render(self.request, template, status, viewer=self, **values)


def viewer(request: Request) -> Viewer:
    app: Console = request.app.state.console
    session = app.sessions.get(request.cookies.get(SESSION_COOKIE))
    account = session and app.accounts.get(session["user"])
    if not account or account.get("locked"):
        raise SignInNeeded()
    return Viewer(app, request, account, session)


# A page's signed-in user, as a handler parameter.
Me = Annotated[Viewer, Depends(viewer)]


async def checked_form(request: Request) -> FormData:
    """The form of a POST, refused unless it carries the session's CSRF token (and larger
    than MAX_FORM_BYTES before it is read). A dependency, so that handlers are plain
    functions, which FastAPI runs in threads: their calls to the services never hold up
    the event loop and its live streams."""
    length = request.headers.get("content-length", "")
    if length.isdecimal() and int(length) > MAX_FORM_BYTES:
        raise errors.InvalidArgument(i18n.word(lang_of(request), "form_too_large"))
    form = await request.form()
    if not csrf_ok(viewer(request).session, form.get("csrf")):
        raise errors.PermissionDenied("the form's security token is missing or stale; "
                                      "reload the page")
    return form


CheckedForm = Annotated[FormData, Depends(checked_form)]


def new_login_csrf() -> str:
    return secrets.token_urlsafe(24)


def error_page(request: Request, exc: Exception) -> HTMLResponse:
    if isinstance(exc, SignInNeeded):
        if request.headers.get("HX-Request"):
            return HTMLResponse("", 401, headers={"HX-Redirect": "/login"})
        return RedirectResponse("/login", 303)
    if isinstance(exc, RequestValidationError):  # a form or query field missing or wrong
        names = sorted({str(e["loc"][-1]) for e in exc.errors()})
        exc = errors.InvalidArgument(f"{', '.join(names)}: missing or invalid")
    status = STATUS_OF.get(type(exc))
    if status is None:
        error_id = uuid.uuid4().hex[:16]
        log.error("console request failed", error_id=error_id, path=request.url.path,
                  exc_info=exc)
        return render(request, "message.html", 500, error_id=error_id, viewer=None)
    detail = "forbidden" if status == 403 else str(exc)
    if request.headers.get("HX-Request"):  # a fragment swapped into the page
        text = i18n.word(lang_of(request), detail) if status == 403 else detail
        return HTMLResponse(f'<span role="alert">{html.escape(text)}</span>', status)
    return render(request, "message.html", status, detail=detail, viewer=_signed_in(request))


def _signed_in(request: Request) -> Viewer | None:
    """The user, for the header of an error page (none when not signed in)."""
    try:
        return viewer(request)
    except SignInNeeded:
        return None
