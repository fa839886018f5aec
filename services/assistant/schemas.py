"""What the assistant's operations take and give, in the names of commune.v1's
AssistantService where it has the message (proto3 JSON: lowerCamelCase on the wire, enum
values by their proto names). Requests reuse the domain's rules on a field (the question,
a paper), so each is written once."""
import datetime as dt
from typing import Literal

from pydantic import Field

from services.common.api.models import ApiModel, Request, TenantRequest

from . import domain, dossier, knowledge, wording

PaperForm = Literal["PAPER_FORM_UNSPECIFIED", "PAPER_FORM_ORIGINAL",
                    "PAPER_FORM_CERTIFIED_COPY", "PAPER_FORM_PHOTOCOPY"]
# How the dossier checker names a form a paper was handed in (an unspecified one is the
# original).
SUBMITTED = {"PAPER_FORM_UNSPECIFIED": "original", "PAPER_FORM_ORIGINAL": "original",
             "PAPER_FORM_CERTIFIED_COPY": "certified_copy",
             "PAPER_FORM_PHOTOCOPY": "photocopy"}
TRACE_ID = Field(min_length=1, max_length=100, description="the traceId an answer gave")
SESSION_ID = Field("", max_length=domain.MAX_SESSION,
                   description="the sessionId the last answer gave; or, before the first, "
                               "a kiosk's own id (at most 100 characters); empty for a new "
                               "conversation")

# --- responses -------------------------------------------------------------------------


class Citation(ApiModel):
    """Which procedure, and which of its fields, an answer quotes (commune.v1.Citation)."""

    procedure_code: str
    field: str = Field(description="documents, processing_time, fee, where, online_level "
                                   "or legal_basis")


class AssistantAnswer(ApiModel):
    """An answer (commune.v1.AssistantAnswer)."""

    text: str
    language: str = Field(description="the language answered in: vi, hmn or tai")
    declined: bool = Field(description="true when the assistant was not sure and did not "
                                       "answer")
    procedure_code: str = ""
    procedure_name: str = ""
    citations: list[Citation] = []
    confidence: float = 0.0
    vietnamese_fallback: bool = Field(False, description="parts of an answer in Hmong or "
                                                         "Thái are in Vietnamese")
    trace_id: str = Field(description="for feedback and handoff")
    session_id: str = Field(description="to send back with follow-up questions")
    alternative_codes: list[str] = []
    vietnamese_terms: list[str] = Field([], description="phrases of the procedure's text "
                                        "left in Vietnamese in a Hmong or Thái answer")
    wording_reviewed: bool = Field(True, description="every sentence and term of the "
                                   "answer's wording was reviewed by a native speaker or "
                                   "an officer (always true in Vietnamese)")


class AskResponse(ApiModel):
    """The answer to a question (commune.v1.AskResponse)."""

    answer: AssistantAnswer


class FeedbackResponse(ApiModel):
    """The feedback taken (once per answer)."""

    trace_id: str
    helpful: bool


class HandoffResponse(ApiModel):
    """The ticket opened for an officer, and what to tell the citizen."""

    ticket_id: str
    status: Literal["open"]
    message: str = Field(description="in the language of the answer")


class Procedure(ApiModel, knowledge.Procedure):
    """A procedure of the knowledge base, as its data file gives it."""


class RequiredDocument(ApiModel):
    """A document the procedure requires (commune.v1.RequiredDocument)."""

    id: str
    name: str
    form: str = Field(description="how the procedure requires it: original, copy or present")
    problem: str = Field("", description="what is wrong with what was handed in "
                                         "(needsOriginal only)")


class RejectedPaper(ApiModel):
    """A paper of a kind no required document accepts (commune.v1.RejectedPaper)."""

    paper: str
    kind: str
    kind_name: str
    document_id: str = ""
    problem: str


class CheckDossierResponse(ApiModel):
    """What to ask the citizen for before accepting the dossier
    (commune.v1.CheckDossierResponse)."""

    complete: bool
    missing: list[RequiredDocument]
    needs_original: list[RequiredDocument]
    optional_not_given: list[RequiredDocument]
    unrecognised: list[str]
    not_accepted: list[RejectedPaper]


# --- requests --------------------------------------------------------------------------


class AskRequest(TenantRequest):
    question: domain.QuestionText
    session_id: str = SESSION_ID


class FeedbackRequest(TenantRequest):
    trace_id: str = TRACE_ID
    helpful: bool


class HandoffRequest(TenantRequest):
    """Either the traceId of an answer, or the question to pass on."""

    trace_id: str = Field("", max_length=100, description="the traceId an answer gave")
    session_id: str = SESSION_ID
    question: str = Field("", max_length=domain.MAX_QUESTION,
                          description="the question to pass on when there is no traceId")


class GetProcedureRequest(TenantRequest):
    code: str = Field(min_length=1, max_length=20, description="e.g. HT-01")


class SubmittedPaper(Request, dossier.Paper):
    """A paper handed in: a document id of the procedure (giay_chung_sinh), a kind of
    paper (the_can_cuoc) or its name in words (commune.v1.SubmittedPaper)."""

    form: PaperForm = "PAPER_FORM_UNSPECIFIED"

    def as_submitted(self) -> dict:
        """The paper as the dossier checker reads it."""
        return {"document": self.document, "form": SUBMITTED[self.form]}


class CheckDossierRequest(TenantRequest):
    procedure_code: str = Field(min_length=1, max_length=20, description="e.g. HT-02")
    papers: list[SubmittedPaper] = Field(default_factory=list, max_length=50)


# --- wording review (Hmong and Thái answers) ------------------------------------------

WordedLanguage = Literal["hmn", "tai"]
WORDING_KEY = Field(min_length=1, max_length=300,
                    description="a sentence's name (fee, documents…) or a term's key as "
                                "listWording gives it")
SEEN_REVISION = Field(ge=0, description="the revision the change was made on, as listed "
                                        "(0: as shipped); another answers 409")


class WordingEntry(ApiModel):
    """A sentence template or glossary term of a language's answers, as it now stands in
    the commune: shipped (revision 0) or reviewed and edited since."""

    language: str
    kind: wording.Kind = Field(description="sentence (a template) or term (a phrase of "
                                           "the procedures' Vietnamese text)")
    key: str
    vi: str = Field(description="what it says in Vietnamese: the phrase (numbers as "
                                "{n}), or for a sentence the Vietnamese template")
    text: str = Field(description="empty for a phrase of the procedures the glossary "
                                  "lacks (answers say it in Vietnamese): to write")
    revision: int
    reviewed: bool
    reviewer: str = ""
    reviewed_at: dt.datetime | None = None


class WordingEntries(ApiModel):
    """One page of a language's wording: sentences, terms, then the procedures' phrases
    the glossary lacks."""

    entries: list[WordingEntry]
    next_page_token: str = Field("", description="the next page's token; empty after the last")
    total_size: int


class ListWordingRequest(TenantRequest):
    language: WordedLanguage
    reviewed: bool | None = Field(None, description="only entries reviewed (true) or not "
                                                    "(false); all when left out")
    page_size: int = Field(0, ge=0, description="0 for 50; at most 200")
    page_token: str = ""


class ReviewWordingRequest(TenantRequest):
    """Mark an entry reviewed by the caller (a native-speaker reviewer or an officer)."""

    language: WordedLanguage
    kind: wording.Kind
    key: str = WORDING_KEY
    revision: int = SEEN_REVISION


class EditWordingRequest(ReviewWordingRequest):
    """A new revision of an entry's text; it awaits review again."""

    text: str = Field(min_length=1, max_length=1000)
