"""What the handoff desk's and the answers' trail's operations take and give (proto3
JSON names: lowerCamelCase on the wire)."""
import datetime as dt
from typing import Literal

from pydantic import Field

from services.common.api.models import ApiModel, TenantRequest

from . import desk, domain
from .schemas import SESSION_ID, Citation

Status = Literal[desk.STATUSES]
Language = Literal["vi", "hmn", "tai"]
TICKET_ID = Field(min_length=1, max_length=40, description="e.g. HO-3F9A0C12BE")

# --- responses -------------------------------------------------------------------------


class HandoffTicket(ApiModel):
    """A citizen's request for an officer, and where it stands."""

    ticket_id: str
    status: Status
    question: str = Field(description="as stored: long numbers masked")
    language: str
    procedure_code: str = ""
    trace_id: str = Field("", description="the answer the citizen asked about, if any")
    open_time: dt.datetime
    claimed_by: str = ""
    claim_time: dt.datetime | None = None
    reply: str = ""
    answered_by: str = ""
    answer_time: dt.datetime | None = None
    closed_by: str = ""
    close_time: dt.datetime | None = None
    note: str = Field("", description="the officer's note on closing")
    unclaimed_alerted: bool = Field(False, description="no officer claimed it in time: the "
                                                       "IOC was alerted")


class ListHandoffsResponse(ApiModel):
    handoffs: list[HandoffTicket]
    next_page_token: str = ""
    total_size: int = 0


class HandoffReply(ApiModel):
    """What the kiosk shows the citizen who opened the ticket."""

    ticket_id: str
    status: Status
    reply: str = Field("", description="the officer's reply, once answered")
    answer_time: dt.datetime | None = None


class TraceHandoff(ApiModel):
    """A ticket a citizen opened about an answer, and where it stands."""

    ticket_id: str
    status: Status


class Trace(ApiModel):
    """One answer of the assistant as its trail keeps it."""

    trace_id: str
    time: dt.datetime
    session_hash: str = Field(description="a one-way id: the answers of one conversation")
    question: str = Field(description="as stored: long numbers masked")
    language: str
    declined: bool
    answer: str
    procedure_code: str = ""
    citations: list[Citation] = []
    confidence: float = 0.0
    latency_ms: float = 0.0
    knowledge_version: str = ""
    handoffs: list[TraceHandoff] = Field([], description="the tickets opened about this "
                                                         "answer, oldest first")


class ListTracesResponse(ApiModel):
    traces: list[Trace]
    next_page_token: str = ""
    total_size: int = 0


# --- requests --------------------------------------------------------------------------


class ListHandoffsRequest(TenantRequest):
    status: Status | Literal[""] = Field("", description="only tickets in this status")
    page_size: int = 0
    page_token: str = ""


class ClaimHandoffRequest(TenantRequest):
    ticket_id: str = TICKET_ID


class AnswerHandoffRequest(TenantRequest):
    ticket_id: str = TICKET_ID
    text: str = Field(min_length=1, max_length=desk.MAX_REPLY,
                      description="the reply the citizen's kiosk shows")


class CloseHandoffRequest(TenantRequest):
    ticket_id: str = TICKET_ID
    note: str = Field("", max_length=desk.MAX_NOTE)


class GetHandoffReplyRequest(TenantRequest):
    ticket_id: str = TICKET_ID
    session_id: str = Field(min_length=1, max_length=domain.MAX_SESSION,
                            description=SESSION_ID.description)


class ListTracesRequest(TenantRequest):
    day: dt.date | None = Field(None, description="the day (UTC) of the answers; today "
                                                  "when left out")
    language: Language | Literal[""] = Field("", description="only answers in this "
                                                             "language")
    page_size: int = 0
    page_token: str = ""
