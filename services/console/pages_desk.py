"""The assistant desk for officers: citizens' requests for an officer (from the kiosk),
taken, answered and closed through the assistant's desk API; the answers' trail."""
import datetime as dt
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse

from services.common import clock, errors

from .web import CheckedForm, Me

router = APIRouter()
MOVES = {"claim": (), "answer": ("text",), "close": ("note",)}
TRAIL_LANGUAGES = ("vi", "hmn", "tai")
TRAIL_PAGE_SIZE = 25  # answers are long: a page stays light on a 3G phone


def _api(commune: str) -> str:
    return f"/api/v1/communes/{commune}/assistant/handoffs"


@router.get("/c/{commune}/desk")
def desk(request: Request, commune: str, me: Me):
    me.require("desk", commune)
    status = request.query_params.get("status", "")[:20]
    with me.client() as api:
        tickets = api.get("assistant", _api(commune),
                          {"status": status, "pageSize": 200} if status else {"pageSize": 200})
    return me.page("desk.html", active="desk", commune=commune, tickets=tickets["handoffs"],
                   done=request.query_params.get("done", ""))


@router.post("/c/{commune}/desk/{ticket_id}/{move}")
def move(commune: str, ticket_id: str, move: str, me: Me, form: CheckedForm):
    me.require("desk", commune)
    if move not in MOVES:
        raise errors.NotFound(f"no move {move!r}")
    body = {field: form.get(field, "") for field in MOVES[move]}
    with me.client() as api:
        api.post("assistant", f"{_api(commune)}/{quote(ticket_id, safe='')}/{move}", body)
    return RedirectResponse(f"/c/{commune}/desk?done=saved", 303)


def _trail_day(text: str) -> dt.date:
    """The day asked for, today (UTC, the assistant's days) when none."""
    if not text:
        return clock.now().date()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise errors.InvalidArgument("day: a date as yyyy-mm-dd", {"day": "invalid"}) from None


@router.get("/c/{commune}/desk/trail")
def trail(commune: str, me: Me, day: Annotated[str, Query(max_length=10)] = "",
          language: Annotated[str, Query(max_length=10)] = "",
          page: Annotated[str, Query(max_length=200)] = ""):
    """The assistant's answers of one day, in one language if chosen, a page at a time
    (the page token the assistant gave for the next)."""
    me.require("desk", commune)
    shown = _trail_day(day)
    if language and language not in TRAIL_LANGUAGES:
        raise errors.InvalidArgument(f"language: one of {', '.join(TRAIL_LANGUAGES)}",
                                     {"language": "unknown"})
    with me.client() as api:
        found = api.get("assistant", f"/api/v1/communes/{commune}/assistant/traces",
                        {"day": shown.isoformat(), "language": language,
                         "pageSize": TRAIL_PAGE_SIZE, "pageToken": page})
    return me.page("trail.html", active="desk", commune=commune, traces=found["traces"],
                   total=found["totalSize"], next_page=found["nextPageToken"],
                   first_page=not page, shown=shown, language=language,
                   languages=TRAIL_LANGUAGES)
