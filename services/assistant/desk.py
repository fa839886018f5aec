"""The officers' handoff desk: a ticket's status read off its moves, which move is
allowed when, and which tickets waited too long for an officer; pure.

A ticket is written once when the citizen asks for an officer; what happens to it is a
log of moves, each written once (claimed, answered, closed, and the system's
unclaimed_alerted). A move is recorded at most once per ticket, so two officers
claiming at once cannot both win: the store keys each move by (ticket, kind)."""
import dataclasses
import datetime as dt

from services.common.errors import FailedPrecondition, InvalidArgument, PermissionDenied

OPEN, CLAIMED, ANSWERED, CLOSED = "open", "claimed", "answered", "closed"
STATUSES = (OPEN, CLAIMED, ANSWERED, CLOSED)
# An officer's moves and the status each leads to; the system's own move.
MOVES = {"claim": CLAIMED, "answer": ANSWERED, "close": CLOSED}
UNCLAIMED_ALERTED = "unclaimed_alerted"
MAX_REPLY = 2000
MAX_NOTE = 500


@dataclasses.dataclass(frozen=True)
class State:
    """Where a ticket stands: its status and who did what when."""

    status: str = OPEN
    claimed_by: str = ""
    claimed_at: dt.datetime | None = None
    reply: str = ""
    answered_by: str = ""
    answered_at: dt.datetime | None = None
    closed_by: str = ""
    closed_at: dt.datetime | None = None
    note: str = ""
    unclaimed_alerted: bool = False


def state(moves: list[dict]) -> State:
    """A ticket's state from its moves (in any order)."""
    by_kind = {m["kind"]: m for m in moves}
    claim, answer, close = (by_kind.get(k) for k in (CLAIMED, ANSWERED, CLOSED))
    status = (CLOSED if close else ANSWERED if answer else CLAIMED if claim else OPEN)
    return State(status=status,
                 claimed_by=(claim or {}).get("by", ""), claimed_at=(claim or {}).get("at"),
                 reply=(answer or {}).get("text", ""), answered_by=(answer or {}).get("by", ""),
                 answered_at=(answer or {}).get("at"),
                 closed_by=(close or {}).get("by", ""), closed_at=(close or {}).get("at"),
                 note=(close or {}).get("text", ""),
                 unclaimed_alerted=UNCLAIMED_ALERTED in by_kind)


def move(ticket_id: str, current: State, action: str, officer: str, admin: bool,
         at: dt.datetime, text: str = "") -> dict:
    """The move `officer` makes on a ticket (not yet stored), or why it may not:
    FailedPrecondition when the ticket's status does not allow it, PermissionDenied when
    another officer holds the ticket (an admin may act on any). A reply needs its text."""
    if action not in MOVES:
        raise InvalidArgument(f"unknown move {action!r}")
    if current.status == CLOSED:
        raise FailedPrecondition(f"ticket {ticket_id} is closed")
    if action == "claim" and current.status != OPEN:
        raise FailedPrecondition(f"ticket {ticket_id} is already claimed by "
                                 f"{current.claimed_by}")
    if action == "answer" and current.status != CLAIMED:
        raise FailedPrecondition(f"ticket {ticket_id} is {current.status}: claim it before "
                                 "answering, and answer it once")
    if action != "claim" and current.claimed_by not in ("", officer) and not admin:
        raise PermissionDenied(f"ticket {ticket_id} is held by {current.claimed_by}")
    if action == "answer" and not text.strip():
        raise InvalidArgument("a reply needs its text", {"text": "required"})
    return {"_id": move_id(ticket_id, MOVES[action]), "ticket": ticket_id,
            "kind": MOVES[action], "by": officer, "at": at, "text": text.strip()}


def move_id(ticket_id: str, kind: str) -> str:
    """One move of each kind per ticket: the key the store refuses twice."""
    return f"{ticket_id}|{kind}"


def unclaimed(tickets: list[dict], moves: dict[str, list[dict]], now: dt.datetime,
              within: dt.timedelta) -> list[dict]:
    """The tickets opened more than `within` ago that no officer claimed (nor closed)
    and that were not alerted on yet, oldest first."""
    due = [t for t in tickets if now - t["at"] > within
           and (s := state(moves.get(t["_id"], []))).status == OPEN
           and not s.unclaimed_alerted]
    return sorted(due, key=lambda t: t["at"])


def listing(tickets: list[dict], moves: dict[str, list[dict]],
            status: str = "") -> list[tuple[dict, State]]:
    """Tickets with their states, of one status if given, oldest first (the desk works
    through them in the order citizens asked)."""
    rows = [(t, state(moves.get(t["_id"], []))) for t in tickets]
    return sorted([(t, s) for t, s in rows if not status or s.status == status],
                  key=lambda row: (row[0]["at"], row[0]["_id"]))


def by_trace(tickets: list[dict],
             moves: dict[str, list[dict]]) -> dict[str, list[tuple[dict, State]]]:
    """The tickets opened about an answer, by its trace id, oldest first (the answers'
    trail shows each answer's)."""
    found: dict[str, list[tuple[dict, State]]] = {}
    for ticket, ticket_state in listing([t for t in tickets if t.get("trace_id")], moves):
        found.setdefault(ticket["trace_id"], []).append((ticket, ticket_state))
    return found
