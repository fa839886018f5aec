"""The assistant's operations, written once for every entry point (nameko RPC and HTTP,
gRPC): answer and keep the trace, take feedback, open a handoff ticket, check a
dossier. Each stored record carries its event in an outbox, published right after."""
import hashlib
import hmac
import re
import time
import uuid

from pydantic import BaseModel, ConfigDict, Field

from commune.v1 import assistant_pb2
from services.common import metrics, outbox
from services.common.clock import now
from services.common.envelope import Envelope
from services.common.errors import InvalidArgument, validated
from services.common.publisher import Publisher
from services.directory.tree import units

from . import domain
from .languages import INTENTS
from .store import AssistantStore

SOURCE = "assistant"
answers = metrics.counter("assistant", "answers_total",
                          "Questions answered or declined, per commune and language",
                          ("tenant", "language", "outcome"))
# ID card, phone and account numbers, e-mail addresses: not kept in traces.
PERSONAL = re.compile(r"\+?\d[\d .-]{6,}\d|[\w.+-]+@[\w-]+\.[\w.]+")


def mask(text: str) -> str:
    return PERSONAL.sub("[…]", text)


def commune(tenant) -> str:
    if not isinstance(tenant, str) or not any(u["code"] == tenant and u["kind"] == "commune"
                                              for u in units()):
        raise InvalidArgument(f"unknown commune {tenant!r}", {"tenant": "unknown"})
    return tenant


class Feedback(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    trace_id: str = Field(min_length=1, max_length=100)
    helpful: bool


class Handoff(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    trace_id: str = Field("", max_length=100)
    session_id: str = Field("", max_length=domain.MAX_SESSION)
    # The question to pass on when there is no trace (asked straight for an officer).
    question: str = Field("", max_length=domain.MAX_QUESTION)


def run_now(function, *args) -> None:
    function(*args)


class Desk:
    """`defer(function, *args)` runs the sending of events: at once by default; a
    worker passes a spawn so that the answer does not wait for it (on FerretDB marking
    an event sent costs tens of ms). An event whose sending is cut short stays in the
    outbox, and the relay sends it."""

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
        """The session and its context from a token this desk gave; any other string is
        the id of a session with nothing asked yet (a kiosk may name its own).

        The context travels in the signed token, not in the database: on FerretDB each
        upsert of a session document costs about as much as the whole answer."""
        parts = token.split(".")
        if len(parts) == 4 and hmac.compare_digest(
                parts[3], self._sign(f"{tenant}|{'.'.join(parts[:3])}")[:16]):
            intents = tuple(i for i in parts[2].split("+") if i in INTENTS)
            return parts[0], domain.Context(parts[1], intents)
        if len(token) > domain.MAX_OWN_SESSION:
            raise InvalidArgument(f"session_id: a session's own id is at most "
                                  f"{domain.MAX_OWN_SESSION} characters",
                                  {"session_id": "too long"})
        return token or uuid.uuid4().hex, domain.Context()

    def _publish(self, collection: str, document_id: str, event: Envelope) -> None:
        """Send the event just stored with the document, and mark it sent."""
        self._defer(self.store.outbox(collection, self.publisher).flush, document_id,
                    outbox.pending(event)["outbox"])

    def ask(self, tenant, fields) -> dict:
        started = time.perf_counter()
        tenant = commune(tenant)
        question = domain.question(fields)
        session_id, context = self._session(tenant, question.session_id)
        session = self.session_hash(tenant, session_id)
        answer = self.assistant.answer(question.text, context)
        latency_ms = round((time.perf_counter() - started) * 1000, 2)
        at = now()
        trace_id = self.store.trace_id(at)
        code = answer["procedure"]["code"] if answer["procedure"] else ""
        trace = {"_id": trace_id, "tenant": tenant, "session": session, "at": at,
                 "question": mask(question.text), "latency_ms": latency_ms, **answer}
        event = Envelope.wrap("assistant.question_answered", SOURCE, tenant,
                              assistant_pb2.QuestionAnswered(
                                  trace_id=trace_id, session_hash=session,
                                  language=answer["language"], declined=answer["declined"],
                                  procedure_code=code,
                                  citations=[assistant_pb2.Citation(procedure_code=c["code"],
                                                                    field=c["field"])
                                             for c in answer["citations"]],
                                  confidence=answer["confidence"], latency_ms=latency_ms,
                                  knowledge_version=answer["kb_version"]),
                              subject=trace_id)
        self.store.add_trace(trace, event)
        self._publish(self.store.traces(at.date()), trace_id, event)
        answers.labels(tenant, answer["language"],
                       "declined" if answer["declined"] else "answered").inc()
        if code:  # a declined question leaves the conversation where it was
            context = domain.Context(code, tuple(answer["intents"]))
        return {**answer, "trace_id": trace_id,
                "session_id": self._session_token(tenant, session_id, context)}

    def feedback(self, tenant, fields) -> dict:
        tenant = commune(tenant)
        given = validated(Feedback, fields, "feedback")
        trace = self.store.trace(tenant, given.trace_id)
        code = trace["procedure"]["code"] if trace.get("procedure") else ""
        event = Envelope.wrap("assistant.feedback_given", SOURCE, tenant,
                              assistant_pb2.FeedbackGiven(
                                  trace_id=given.trace_id, session_hash=trace["session"],
                                  helpful=given.helpful, procedure_code=code,
                                  language=trace["language"]),
                              subject=given.trace_id)
        self.store.add_feedback({"_id": given.trace_id, "tenant": tenant,
                                 "helpful": given.helpful, "procedure": code,
                                 "language": trace["language"], "at": now()}, event)
        self._publish("feedback", given.trace_id, event)
        return {"trace_id": given.trace_id, "helpful": given.helpful}

    def handoff(self, tenant, fields) -> dict:
        tenant = commune(tenant)
        wanted = validated(Handoff, fields, "handoff")
        if not wanted.trace_id and not wanted.question.strip():
            raise InvalidArgument("a handoff needs the trace_id of an answer or a question",
                                  {"trace_id": "required without question"})
        trace = self.store.trace(tenant, wanted.trace_id) if wanted.trace_id else {}
        # session_id is what an answer gave (a token) or a kiosk's own: either way the
        # ticket joins the traces of that session.
        session = trace.get("session") or self.session_hash(
            tenant, self._session(tenant, wanted.session_id)[0])
        language = trace.get("language", "vi")
        code = trace["procedure"]["code"] if trace.get("procedure") else ""
        question = trace.get("question") or mask(wanted.question.strip())
        ticket_id = f"HO-{uuid.uuid4().hex[:10].upper()}"
        event = Envelope.wrap("assistant.handoff_requested", SOURCE, tenant,
                              assistant_pb2.HandoffRequested(
                                  ticket_id=ticket_id, trace_id=wanted.trace_id,
                                  session_hash=session, language=language,
                                  procedure_code=code, question=question),
                              subject=ticket_id)
        self.store.add_handoff({"_id": ticket_id, "tenant": tenant, "trace_id": wanted.trace_id,
                                "session": session, "language": language,
                                "procedure": code, "question": question, "status": "open",
                                "at": now()}, event)
        self._publish("handoffs", ticket_id, event)
        message = self.assistant.languages[language].text("handoff", ticket=ticket_id)
        return {"ticket_id": ticket_id, "status": "open", "message": message}

    def procedure(self, tenant, code) -> dict:
        commune(tenant)
        return self.assistant.procedure(code).model_dump(mode="json")

    def check_dossier(self, tenant, fields) -> dict:
        commune(tenant)
        if not isinstance(fields, dict):
            raise InvalidArgument("a dossier check is an object with procedure and papers")
        return self.assistant.check_dossier(fields.get("procedure"), fields.get("papers"))

    def relay(self) -> int:
        return sum(self.store.outbox(c, self.publisher).relay()
                   for c in self.store.with_outboxes(now().date()))
