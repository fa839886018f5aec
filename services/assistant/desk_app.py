"""The officers' side of the assistant: the handoff desk (list, claim, answer, close the
tickets citizens open; the kiosk reads the reply), the check for tickets no officer
claimed in time, and the answers' trail. A mixin of AssistantApp, whose table
(app.py) lists DESK_OPERATIONS with the rest."""
import datetime as dt

from google.protobuf.timestamp_pb2 import Timestamp

from commune.v1 import assistant_pb2
from services.catalog import EVENTS
from services.common import metrics, paging
from services.common.api.operations import Operation, Route
from services.common.auth import ROLES, Principal
from services.common.clock import now
from services.common.envelope import Envelope
from services.common.errors import FailedPrecondition, NotFound

from . import desk
from . import desk_schemas as d
from .schemas import Citation

moves_made = metrics.counter("assistant", "handoff_moves_total",
                             "Moves on handoff tickets (claimed, answered, closed, "
                             "unclaimed_alerted), per commune", ("tenant", "move"))


def _stamp(at: dt.datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(at)
    return stamp


def _event(event_type: str, tenant: str, message, subject: str) -> Envelope:
    return Envelope.wrap(event_type, EVENTS[event_type].source, tenant, message,
                         subject=subject)


def _ticket(ticket: dict, state: desk.State) -> d.HandoffTicket:
    return d.HandoffTicket(
        ticket_id=ticket["_id"], status=state.status, question=ticket["question"],
        language=ticket["language"], procedure_code=ticket.get("procedure", ""),
        trace_id=ticket.get("trace_id", ""), open_time=ticket["at"],
        claimed_by=state.claimed_by, claim_time=state.claimed_at, reply=state.reply,
        answered_by=state.answered_by, answer_time=state.answered_at,
        closed_by=state.closed_by, close_time=state.closed_at, note=state.note,
        unclaimed_alerted=state.unclaimed_alerted)


class HandoffDesk:
    """Needs of its host: store, session_hash(), _session(), _send()."""

    def _state(self, tenant: str, ticket_id: str) -> tuple[dict, desk.State]:
        ticket = self.store.handoff(tenant, ticket_id)
        return ticket, desk.state(self.store.handoff_moves(tenant, ticket_id).get(ticket_id,
                                                                                   []))

    def _move(self, principal: Principal, tenant: str, ticket_id: str, action: str,
              text: str = "") -> d.HandoffTicket:
        ticket, current = self._state(tenant, ticket_id)
        at = now()
        made = desk.move(ticket_id, current, action, principal.subject,
                         principal.role == "admin", at, text)
        events = []
        if action == "claim":
            events.append(_event("assistant.handoff_claimed", tenant,
                                 assistant_pb2.HandoffClaimed(
                                     ticket_id=ticket_id, officer=principal.subject,
                                     claim_time=_stamp(at)), ticket_id))
        recorded = self.store.add_move({**made, "tenant": tenant}, *events)
        if recorded is None:
            raise FailedPrecondition(f"ticket {ticket_id} was {made['kind']} meanwhile")
        moves_made.labels(tenant, made["kind"]).inc()
        self._send(recorded)
        return _ticket(ticket, self._state(tenant, ticket_id)[1])

    # --- use cases ---------------------------------------------------------------------

    def list_handoffs(self, principal: Principal,
                      request: d.ListHandoffsRequest) -> d.ListHandoffsResponse:
        rows = desk.listing(self.store.handoffs(request.tenant),
                            self.store.handoff_moves(request.tenant), request.status)
        chosen, token, total = paging.page(rows, request.page_size, request.page_token)
        return d.ListHandoffsResponse(handoffs=[_ticket(t, s) for t, s in chosen],
                                      next_page_token=token, total_size=total)

    def claim_handoff(self, principal: Principal,
                      request: d.ClaimHandoffRequest) -> d.HandoffTicket:
        return self._move(principal, request.tenant, request.ticket_id, "claim")

    def answer_handoff(self, principal: Principal,
                       request: d.AnswerHandoffRequest) -> d.HandoffTicket:
        return self._move(principal, request.tenant, request.ticket_id, "answer",
                          request.text)

    def close_handoff(self, principal: Principal,
                      request: d.CloseHandoffRequest) -> d.HandoffTicket:
        return self._move(principal, request.tenant, request.ticket_id, "close",
                          request.note)

    def get_handoff_reply(self, principal: Principal | None,
                          request: d.GetHandoffReplyRequest) -> d.HandoffReply:
        """Only the session that opened the ticket reads it: any other is told there is
        no such ticket (a ticket id alone says nothing of whose it is)."""
        session = self.session_hash(request.tenant,
                                    self._session(request.tenant, request.session_id)[0])
        try:
            ticket, state = self._state(request.tenant, request.ticket_id)
        except NotFound:
            ticket, state = {}, None
        if state is None or ticket["session"] != session:
            raise NotFound(f"no handoff ticket {request.ticket_id!r} of this session")
        return d.HandoffReply(ticket_id=ticket["_id"], status=state.status,
                              reply=state.reply, answer_time=state.answered_at)

    def list_traces(self, principal: Principal,
                    request: d.ListTracesRequest) -> d.ListTracesResponse:
        rows = [t for t in self.store.traces_of(request.tenant, request.day or now().date())
                if not request.language or t["language"] == request.language]
        chosen, token, total = paging.page(rows, request.page_size, request.page_token)
        tickets = desk.by_trace(self.store.handoffs(request.tenant),
                                self.store.handoff_moves(request.tenant)) if chosen else {}
        return d.ListTracesResponse(traces=[d.Trace(
            trace_id=t["_id"], time=t["at"], session_hash=t["session"],
            question=t["question"], language=t["language"], declined=t["declined"],
            answer=t["answer"], procedure_code=(t.get("procedure") or {}).get("code", ""),
            citations=[Citation(procedure_code=c["code"], field=c["field"])
                       for c in t.get("citations", [])],
            confidence=t.get("confidence", 0.0), latency_ms=t.get("latency_ms", 0.0),
            knowledge_version=t.get("kb_version", ""),
            handoffs=[d.TraceHandoff(ticket_id=ticket["_id"], status=state.status)
                      for ticket, state in tickets.get(t["_id"], [])]) for t in chosen],
            next_page_token=token, total_size=total)

    def announce_unclaimed(self, within: dt.timedelta) -> int:
        """assistant.handoff_unclaimed, once per ticket, for every commune's tickets no
        officer claimed within `within` (the worker's timer; no caller). Returns how
        many."""
        at = now()
        due = desk.unclaimed(self.store.handoffs(None), self.store.handoff_moves(None), at,
                             within)
        announced = 0
        for ticket in due:
            kind = desk.UNCLAIMED_ALERTED
            event = _event("assistant.handoff_unclaimed", ticket["tenant"],
                           assistant_pb2.HandoffUnclaimed(
                               ticket_id=ticket["_id"], language=ticket["language"],
                               procedure_code=ticket.get("procedure", ""),
                               question=ticket["question"], open_time=_stamp(ticket["at"])),
                           ticket["_id"])
            move = {"_id": desk.move_id(ticket["_id"], kind), "ticket": ticket["_id"],
                    "tenant": ticket["tenant"], "kind": kind, "by": "system", "at": at}
            recorded = self.store.add_move(move, event)
            if recorded is not None:  # None: another worker announced it
                moves_made.labels(ticket["tenant"], kind).inc()
                self._send(recorded)
                announced += 1
        return announced


BASE = "/api/v1/communes/{tenant}/assistant"
OFFICERS = ("officer", "admin")
EXAMPLE = {"tenant": "binh-lu", "ticketId": "HO-3F9A0C12BE"}

DESK_OPERATIONS = (
    Operation("list_handoffs", "The handoff tickets of the commune, oldest first",
              d.ListHandoffsRequest, d.ListHandoffsResponse, OFFICERS,
              Route("GET", BASE + "/handoffs"),
              example={"tenant": "binh-lu", "status": "open"}),
    Operation("claim_handoff", "Take a ticket (one officer per ticket)",
              d.ClaimHandoffRequest, d.HandoffTicket, OFFICERS,
              Route("POST", BASE + "/handoffs/{ticketId}/claim"), example=EXAMPLE),
    Operation("answer_handoff", "Reply to the citizen of a ticket one has claimed",
              d.AnswerHandoffRequest, d.HandoffTicket, OFFICERS,
              Route("POST", BASE + "/handoffs/{ticketId}/answer"),
              example={**EXAMPLE, "text": "Anh/chị mang theo CCCD đến bộ phận một cửa."}),
    Operation("close_handoff", "Close a ticket", d.CloseHandoffRequest, d.HandoffTicket,
              OFFICERS, Route("POST", BASE + "/handoffs/{ticketId}/close"),
              example={**EXAMPLE, "note": "đã trả lời"}),
    Operation("get_handoff_reply", "The officer's reply, for the session that opened the "
              "ticket", d.GetHandoffReplyRequest, d.HandoffReply, ROLES,
              Route("GET", BASE + "/handoffs/{ticketId}/reply"), public=True,
              example={**EXAMPLE, "sessionId": "kiosk-ubnd-01"}),
    Operation("list_traces", "The answers' trail of one day, newest first, in one language "
              "if asked, each with the tickets opened about it (questions masked as stored)",
              d.ListTracesRequest, d.ListTracesResponse, OFFICERS,
              Route("GET", BASE + "/traces"), example={"tenant": "binh-lu", "language": "vi"}),
)
