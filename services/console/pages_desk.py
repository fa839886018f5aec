"""The assistant desk for officers: citizens' requests for an officer (from the kiosk),
taken, answered and closed through the assistant's desk API."""
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from services.common import errors

from .web import CheckedForm, Me

router = APIRouter()
MOVES = {"claim": (), "answer": ("text",), "close": ("note",)}


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
