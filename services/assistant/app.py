"""The assistant's use cases and their table of operations: answer and keep the trace,
take feedback, open a handoff ticket, read a procedure, check a dossier. Each use case
takes the caller and its request model and answers a response model; each stored record
carries its event in an outbox, published right after. Every door (nameko RPC and HTTP in
service.py, gRPC in grpc_api.py) runs them through OPERATIONS, which says who may do what
(citizens ask without a token); nothing else checks roles."""
import hashlib
import hmac
import re
import time
import uuid

from commune.v1 import assistant_pb2
from services.common import metrics, paging
from services.common.api.operations import Operation, Operations, Route
from services.common.auth import ROLES, Principal
from services.common.clock import now
from services.common.envelope import Envelope
from services.common.errors import FailedPrecondition, InvalidArgument, NotFound
from services.common.outbox import Recorded
from services.common.publisher import Publisher
from services.directory.tree import units

from . import domain
from . import schemas as s
from .desk_app import DESK_OPERATIONS, HandoffDesk
from .languages import INTENTS
from .store import AssistantStore
from .wording import Entry, Wording, check_entry
from .wording_store import CommuneWordings, WordingStore

SOURCE = "assistant"
answers = metrics.counter("assistant", "answers_total",
                          "Questions answered or declined, per commune and language",
                          ("tenant", "language", "outcome"))
# ID card, phone and account numbers, e-mail addresses: not kept in traces.
PERSONAL = re.compile(r"\+?\d[\d .-]{6,}\d|[\w.+-]+@[\w-]+\.[\w.]+")


def mask(text: str) -> str:
    return PERSONAL.sub("[…]", text)


def commune(tenant: str) -> str:
    """The tenant, if it is a commune the directory knows: the assistant keeps traces
    only for those."""
    if not any(u["code"] == tenant and u["kind"] == "commune" for u in units()):
        raise InvalidArgument(f"unknown commune {tenant!r}", {"tenant": "unknown"})
    return tenant


def run_now(function, *args) -> None:
    function(*args)


class AssistantApp(HandoffDesk):
    """`defer(function, *args)` runs the sending of events: at once by default; a
    worker passes a spawn so that the answer does not wait for the broker's confirm.
    An event whose sending is cut short stays listed as unsent, and the relay sends it."""

    def __init__(self, store: AssistantStore, publisher: Publisher,
                 assistant: domain.Assistant, secret: str, defer=run_now):
        self.store = store
        self.publisher = publisher
        self.assistant = assistant
        self._secret = secret.encode()
        self._defer = defer

    def session_hash(self, tenant: str, session: str) -> str:
        """A one-way id: traces of one session stay together, and no one can tell whose."""
        return self._sign(f"{tenant}:{session}")[:24]

    def _sign(self, text: str) -> str:
        return hmac.new(self._secret, text.encode(), hashlib.sha256).hexdigest()

    def _session_token(self, tenant: str, session: str, context: domain.Context) -> str:
        body = f"{session}.{context.procedure}.{'+'.join(context.intents)}"
        return f"{body}.{self._sign(f'{tenant}|{body}')[:16]}"

    def _session(self, tenant: str, token: str) -> tuple[str, domain.Context]:
        """The session and its context from a token this assistant gave; any other
        string is the id of a session with nothing asked yet (a kiosk may name its own).

        The context travels in the signed token, not in the database: on FerretDB each
        upsert of a session document costs about as much as the whole answer."""
        parts = token.split(".")
        if len(parts) == 4 and hmac.compare_digest(
                parts[3], self._sign(f"{tenant}|{'.'.join(parts[:3])}")[:16]):
            intents = tuple(i for i in parts[2].split("+") if i in INTENTS)
            return parts[0], domain.Context(parts[1], intents)
        if len(token) > domain.MAX_OWN_SESSION:
            raise InvalidArgument(f"sessionId: a session's own id is at most "
                                  f"{domain.MAX_OWN_SESSION} characters",
                                  {"session_id": "too long"})
        return token or uuid.uuid4().hex, domain.Context()

    def _send(self, recorded: Recorded) -> None:
        """Send the events just stored with their document."""
        self._defer(self.store.outbox.send, recorded, self.publisher)

    # --- use cases ---------------------------------------------------------------------

    def ask(self, principal: Principal | None, request: s.AskRequest) -> s.AskResponse:
        started = time.perf_counter()
        tenant = commune(request.tenant)
        session_id, context = self._session(tenant, request.session_id)
        session = self.session_hash(tenant, session_id)
        answer = self.assistant.answer(request.question, context, self._wordings(tenant))
        latency_ms = round((time.perf_counter() - started) * 1000, 2)
        at = now()
        trace_id = self.store.trace_id(at)
        procedure = answer["procedure"] or {}
        code = procedure.get("code", "")
        citations = [assistant_pb2.Citation(procedure_code=c["code"], field=c["field"])
                     for c in answer["citations"]]
        trace = {"_id": trace_id, "tenant": tenant, "session": session, "at": at,
                 "question": mask(request.question), "latency_ms": latency_ms, **answer}
        event = Envelope.wrap("assistant.question_answered", SOURCE, tenant,
                              assistant_pb2.QuestionAnswered(
                                  trace_id=trace_id, session_hash=session,
                                  language=answer["language"], declined=answer["declined"],
                                  procedure_code=code, citations=citations,
                                  confidence=answer["confidence"], latency_ms=latency_ms,
                                  knowledge_version=answer["kb_version"]),
                              subject=trace_id)
        self._send(self.store.add_trace(trace, event))
        answers.labels(tenant, answer["language"],
                       "declined" if answer["declined"] else "answered").inc()
        if code:  # a declined question leaves the conversation where it was
            context = domain.Context(code, tuple(answer["intents"]))
        return s.AskResponse(answer=s.AssistantAnswer(
            text=answer["answer"], language=answer["language"], declined=answer["declined"],
            procedure_code=code, procedure_name=procedure.get("name", ""),
            citations=[s.Citation(procedure_code=c["code"], field=c["field"])
                       for c in answer["citations"]],
            confidence=answer["confidence"], vietnamese_fallback=answer["vietnamese_fallback"],
            trace_id=trace_id, session_id=self._session_token(tenant, session_id, context),
            alternative_codes=[a["code"] for a in answer["alternatives"]],
            vietnamese_terms=answer["vietnamese_terms"],
            wording_reviewed=answer["wording_reviewed"]))

    def feedback(self, principal: Principal | None,
                 request: s.FeedbackRequest) -> s.FeedbackResponse:
        tenant = commune(request.tenant)
        trace = self.store.trace(tenant, request.trace_id)
        code = trace["procedure"]["code"] if trace.get("procedure") else ""
        event = Envelope.wrap("assistant.feedback_given", SOURCE, tenant,
                              assistant_pb2.FeedbackGiven(
                                  trace_id=request.trace_id, session_hash=trace["session"],
                                  helpful=request.helpful, procedure_code=code,
                                  language=trace["language"]),
                              subject=request.trace_id)
        self._send(self.store.add_feedback({"_id": request.trace_id, "tenant": tenant,
                                            "helpful": request.helpful, "procedure": code,
                                            "language": trace["language"], "at": now()},
                                           event))
        return s.FeedbackResponse(trace_id=request.trace_id, helpful=request.helpful)

    def handoff(self, principal: Principal | None,
                request: s.HandoffRequest) -> s.HandoffResponse:
        tenant = commune(request.tenant)
        if not request.trace_id and not request.question:
            raise InvalidArgument("a handoff needs the traceId of an answer or a question",
                                  {"trace_id": "required without question"})
        trace = self.store.trace(tenant, request.trace_id) if request.trace_id else {}
        # session_id is what an answer gave (a token) or a kiosk's own: either way the
        # ticket joins the traces of that session.
        session = trace.get("session") or self.session_hash(
            tenant, self._session(tenant, request.session_id)[0])
        language = trace.get("language", "vi")
        code = trace["procedure"]["code"] if trace.get("procedure") else ""
        question = trace.get("question") or mask(request.question)
        ticket_id = f"HO-{uuid.uuid4().hex[:10].upper()}"
        event = Envelope.wrap("assistant.handoff_requested", SOURCE, tenant,
                              assistant_pb2.HandoffRequested(
                                  ticket_id=ticket_id, trace_id=request.trace_id,
                                  session_hash=session, language=language,
                                  procedure_code=code, question=question),
                              subject=ticket_id)
        self._send(self.store.add_handoff({"_id": ticket_id, "tenant": tenant,
                                           "trace_id": request.trace_id, "session": session,
                                           "language": language, "procedure": code,
                                           "question": question, "status": "open",
                                           "at": now()}, event))
        message = self._wordings(tenant)[language].sentence("handoff", ticket=ticket_id).text
        return s.HandoffResponse(ticket_id=ticket_id, status="open", message=message)

    def get_procedure(self, principal: Principal | None,
                      request: s.GetProcedureRequest) -> s.Procedure:
        commune(request.tenant)
        return s.Procedure.model_validate(
            self.assistant.procedure(request.code).model_dump())

    def check_dossier(self, principal: Principal,
                      request: s.CheckDossierRequest) -> s.CheckDossierResponse:
        commune(request.tenant)
        return s.CheckDossierResponse.model_validate(self.assistant.check_dossier(
            request.procedure_code, [p.as_submitted() for p in request.papers]))

    # --- wording review: Hmong and Thái answers, per commune ----------------------------

    def _wordings(self, tenant: str) -> CommuneWordings:
        return CommuneWordings(self.assistant.wordings, WordingStore(self.store.db), tenant)

    def _lacking(self, wording: Wording) -> dict[str, Entry]:
        """The procedures' phrases the glossary lacks, as terms still to write."""
        return wording.lacking(t for p in self.assistant.kb.procedures for t in p.said())

    def _entry(self, tenant: str, request) -> tuple[Wording, Entry]:
        wording = self._wordings(tenant)[request.language]
        entry = wording.entry(request.kind, request.key) or (
            self._lacking(wording).get(request.key) if request.kind == "term" else None)
        if entry is None:
            raise NotFound(f"no {request.kind} {request.key!r} in the {request.language} "
                           "wording; listWording gives the keys")
        if entry.revision != request.revision:
            raise FailedPrecondition(f"{request.kind} {request.key!r} is at revision "
                                     f"{entry.revision}, not {request.revision}: list it "
                                     "again and redo the change")
        return wording, entry

    def _wording_entry(self, language: str, kind: str, key: str,
                       entry: Entry) -> s.WordingEntry:
        vi = (entry.vi if kind == "term"
              else self.assistant.wordings["vi"].sentences[key].text)
        return s.WordingEntry(language=language, kind=kind, key=key, vi=vi,
                              **entry.model_dump(exclude={"vi"}))

    def list_wording(self, principal: Principal,
                     request: s.ListWordingRequest) -> s.WordingEntries:
        commune(request.tenant)
        wording = self._wordings(request.tenant)[request.language]
        rows = [(kind, key, entry) for kind, key, _, entry in wording.entries()] + [
            ("term", key, term) for key, term in self._lacking(wording).items()]
        rows = [row for row in rows
                if request.reviewed is None or row[2].reviewed == request.reviewed]
        chosen, token, total = paging.page(rows, request.page_size, request.page_token)
        return s.WordingEntries(
            entries=[self._wording_entry(wording.language, *row) for row in chosen],
            next_page_token=token, total_size=total)

    def review_wording(self, principal: Principal,
                       request: s.ReviewWordingRequest) -> s.WordingEntry:
        tenant = commune(request.tenant)
        _, entry = self._entry(tenant, request)
        if not entry.text:
            raise FailedPrecondition(f"term {request.key!r} has no text yet: write it "
                                     "(editWording) before reviewing it")
        return self._save(tenant, request, entry.model_copy(update={
            "reviewed": True, "reviewer": principal.subject, "reviewed_at": now()}))

    def edit_wording(self, principal: Principal,
                     request: s.EditWordingRequest) -> s.WordingEntry:
        tenant = commune(request.tenant)
        _, entry = self._entry(tenant, request)
        vi = self._wording_entry(request.language, request.kind, request.key, entry).vi
        vi_templates = {k: e.text for k, e in self.assistant.wordings["vi"].sentences.items()}
        problem = check_entry(vi_templates, request.kind, request.key, vi, request.text)
        if problem:
            raise InvalidArgument(f"text: {problem}", {"text": problem})
        return self._save(tenant, request, entry.model_copy(update={
            "text": request.text, "revision": entry.revision + 1, "reviewed": False,
            "reviewer": "", "reviewed_at": None}))

    def _save(self, tenant: str, request, entry: Entry) -> s.WordingEntry:
        WordingStore(self.store.db).save(tenant, request.language, request.kind, request.key,
                                         request.revision, entry)
        return self._wording_entry(request.language, request.kind, request.key, entry)

    def relay(self) -> int:
        """Send the events left unsent (the worker's timer; no caller)."""
        return self.store.outbox.relay(self.publisher)


BASE = "/api/v1/communes/{tenant}/assistant"
TENANT, TRACE_ID = "binh-lu", "20261205-5f0c3a1e-8d2b-4c6f-9e7a-1b2c3d4e5f60"
EVERYONE, OFFICERS = ROLES, ("officer", "admin")
REVIEWERS = ("reviewer", *OFFICERS)

OPERATIONS = Operations(
    "assistant",
    Operation("ask", "Ask about a commune procedure, in Vietnamese, Hmong or Thái",
              s.AskRequest, s.AskResponse, EVERYONE, Route("POST", BASE + "/ask"),
              grpc="Ask", public=True,
              example={"tenant": TENANT, "question": "Làm giấy khai sinh cần giấy tờ gì?"}),
    Operation("feedback", "Say whether an answer helped (once per answer)",
              s.FeedbackRequest, s.FeedbackResponse, EVERYONE,
              Route("POST", BASE + "/feedback", 201), public=True,
              example={"tenant": TENANT, "traceId": TRACE_ID, "helpful": True}),
    Operation("handoff", "Ask for an officer: a ticket for the answer or the question",
              s.HandoffRequest, s.HandoffResponse, EVERYONE,
              Route("POST", BASE + "/handoff", 201), public=True,
              example={"tenant": TENANT, "question": "Tôi cần hỏi thêm cán bộ tư pháp",
                       "sessionId": "kiosk-ubnd-01"}),
    Operation("get_procedure", "A procedure of the knowledge base", s.GetProcedureRequest,
              s.Procedure, EVERYONE, Route("GET", BASE + "/procedures/{code}"), public=True,
              example={"tenant": TENANT, "code": "HT-01"}),
    Operation("check_dossier", "Check a dossier's papers against the procedure (officers)",
              s.CheckDossierRequest, s.CheckDossierResponse, OFFICERS,
              Route("POST", BASE + "/check-dossier"), grpc="CheckDossier",
              example={"tenant": TENANT, "procedureCode": "HT-02",
                       "papers": [{"document": "to_khai_ket_hon"},
                                  {"document": "CCCD", "form": "PAPER_FORM_ORIGINAL"}]}),
    # wording review: native-speaker reviewers and officers
    Operation("list_wording", "The Hmong or Thái answers' sentences and terms, with their "
              "review status (reviewers, officers)", s.ListWordingRequest, s.WordingEntries,
              REVIEWERS, Route("GET", BASE + "/wording/{language}"),
              example={"tenant": TENANT, "language": "hmn", "reviewed": False}),
    Operation("review_wording", "Mark a sentence or term reviewed by the caller (reviewers, "
              "officers)", s.ReviewWordingRequest, s.WordingEntry, REVIEWERS,
              Route("POST", BASE + "/wording/{language}/review"),
              example={"tenant": TENANT, "language": "hmn", "kind": "sentence", "key": "fee",
                       "revision": 0}),
    Operation("edit_wording", "A new revision of a sentence or term, to be reviewed again "
              "(reviewers, officers)", s.EditWordingRequest, s.WordingEntry, REVIEWERS,
              Route("POST", BASE + "/wording/{language}/edit"),
              example={"tenant": TENANT, "language": "tai", "kind": "term",
                       "key": "đăng ký kết hôn", "revision": 0,
                       "text": "Tẻm chư au phua mía"}),
    *DESK_OPERATIONS,  # the officers' handoff desk and the answers' trail (desk_app.py)
)
