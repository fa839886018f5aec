"""The assistant's kiosk page (public: no sign-in, big type, works on a cheap phone) and
the Reports page's form."""
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from services.common import errors
from services.common.api_client import ServiceClient
from services.directory import tree
from services.reports import quarterly

from .citizens import citizen, kiosk_token
from .web import LOGIN_CSRF_COOKIE, CheckedForm, Me, new_login_csrf, render

router = APIRouter()
QUESTION_MAX = 500


def _commune(code: str) -> str:
    if code not in {u["code"] for u in tree.units() if u["kind"] == "commune"}:
        raise errors.NotFound(f"no commune {code!r}")
    return code


def _kiosk(request: Request, commune: str, status: int = 200, **values):
    csrf = request.cookies.get(LOGIN_CSRF_COOKIE) or new_login_csrf()
    page = render(request, "kiosk.html", status, viewer=None, commune=commune, csrf=csrf,
                  question_max=QUESTION_MAX, **values)
    page.set_cookie(LOGIN_CSRF_COOKIE, csrf, httponly=True, samesite="lax")
    return page


@router.get("/kiosk/{commune}")
def kiosk(request: Request, commune: str):
    return _kiosk(request, _commune(commune))


async def kiosk_form(request: Request) -> FormData:
    """The kiosk's form, refused unless it carries the token its page set (no session)."""
    form = await request.form()
    if not form.get("csrf") or form["csrf"] != request.cookies.get(LOGIN_CSRF_COOKIE):
        raise errors.PermissionDenied("the form's security token is missing or stale")
    return form


@router.post("/kiosk/{commune}")
def ask(request: Request, commune: str, form: Annotated[FormData, Depends(kiosk_form)]):
    """A citizen's question, or a request for an officer, passed to the assistant's
    public API (its answer's language is the question's), each citizen counted apart
    (citizens.py)."""
    commune = _commune(commune)
    question = form.get("question", "").strip()[:QUESTION_MAX]
    app = request.app.state.console
    wait_s = app.kiosk_limit.wait_s(citizen(request, app.console.trusted_proxies))
    if wait_s:
        page = _kiosk(request, commune, 429, question=question, wait_s=wait_s)
        page.headers["Retry-After"] = str(wait_s)
        return page
    base = f"/api/v1/communes/{commune}/assistant"
    with ServiceClient(app.settings, kiosk_token(app.settings, commune)) as api:
        if form.get("handoff"):
            ticket = api.post("assistant", base + "/handoff",
                              {"traceId": form.get("traceId", "")[:100]})
            return _kiosk(request, commune, question=question, ticket=ticket)
        if not question:
            raise errors.InvalidArgument("question: write a question", {"question": "empty"})
        answer = api.post("assistant", base + "/ask",
                          {"question": question, "sessionId": form.get("sessionId", "")[:2000]})
    return _kiosk(request, commune, question=question, answer=answer["answer"])


@router.get("/c/{commune}/reports")
def reports(commune: str, me: Me):
    me.require("reports", commune)
    return me.page("reports.html", active="reports", commune=commune, formats=quarterly.MEDIA_TYPES)


@router.post("/c/{commune}/reports")
def build_report(commune: str, me: Me, form: CheckedForm):
    """The quarterly report (services.reports) with the user's token, so it reads only
    what the user may."""
    me.require("reports", commune)
    fmt = form.get("format", "")
    try:
        year, quarter = int(form.get("year", "")), int(form.get("quarter", ""))
    except ValueError:
        raise errors.InvalidArgument("year and quarter: numbers", {"year": "invalid"}) from None
    body = quarterly.build(me.app.settings, me.token, commune, year, quarter, fmt)
    name = quarterly.filename(commune, year, quarter, fmt)
    return Response(body, media_type=quarterly.MEDIA_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
