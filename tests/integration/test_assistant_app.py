"""The assistant's use cases (app.py) through its table, on the real database and broker:
every answer leaves a trace with no personal data and announces it; follow-ups find
their session; feedback is taken once; a handoff opens a ticket and says so."""
import datetime as dt

import pytest

from commune.v1 import assistant_pb2
from services.assistant.app import OPERATIONS, AssistantApp
from services.assistant.domain import default_assistant
from services.assistant.store import AssistantStore, seed
from services.common.api.operations import invoke, parse
from services.common.envelope import Envelope
from services.common.errors import AlreadyExists, InvalidArgument, NotFound
from services.common.publisher import Publisher

pytestmark = pytest.mark.integration

TENANT = "lung-phinh"


@pytest.fixture(scope="module")
def app(mongo, settings):
    publisher = Publisher(settings.amqp_uri, settings.namespace)
    store = AssistantStore(mongo[f"{settings.namespace}_assistant"])
    yield AssistantApp(store, publisher, default_assistant(), "test-secret")
    publisher.close()


def run(app, name: str, request: dict, tenant: str = TENANT) -> dict:
    """The operation for a caller without a token, as a door runs it: the answer in wire
    names."""
    operation = OPERATIONS[name]
    return invoke(app, operation, None, parse(operation, {"tenant": tenant, **request})).wire()


def ask(app, question: str, session_id: str = "") -> dict:
    return run(app, "ask", {"question": question, "sessionId": session_id})["answer"]


def stored_trace(mongo, settings, trace_id: str) -> dict:
    day = dt.datetime.strptime(trace_id[:8], "%Y%m%d").date()
    return mongo[f"{settings.namespace}_assistant"][AssistantStore.traces(day)].find_one(
        {"_id": trace_id})


def event(broker, queue) -> Envelope:
    return Envelope.parse(broker.take(queue).body)


def test_an_answer_is_traced_without_personal_data_and_announced(app, broker, mongo,
                                                                 settings):
    queue = broker.capture("assistant", "assistant.question_answered")
    answer = ask(app, "Tôi CCCD 012345678901, sđt 0912 345 678, làm giấy khai sinh cần gì?",
                 "phone-abc")
    trace = stored_trace(mongo, settings, answer["traceId"])
    assert trace["tenant"] == TENANT and trace["procedure"]["code"] == "HT-01"
    assert "012345678901" not in trace["question"] and "0912" not in trace["question"]
    assert "phone-abc" not in str(trace) and len(trace["session"]) == 24
    assert trace["answer"] == answer["text"] and trace["latency_ms"] > 0
    assert trace["citations"] == [{"code": "HT-01", "field": "documents"}]
    assert answer["citations"] == [{"procedureCode": "HT-01", "field": "documents"}]
    announced = event(broker, queue)
    assert (announced.type, announced.tenant, announced.subject) == (
        "assistant.question_answered", TENANT, answer["traceId"])
    payload = announced.payload(assistant_pb2.QuestionAnswered)
    assert payload.procedure_code == "HT-01" and payload.session_hash == trace["session"]
    assert app.store.db.outbox_pending.find_one({"_id": announced.id}) is None, \
        "no listing is left once the event is published"


def test_a_declined_question_is_traced_too(app, mongo, settings):
    answer = ask(app, "giá phân bón hôm nay")
    trace = stored_trace(mongo, settings, answer["traceId"])
    assert answer["declined"] and trace["declined"] and trace["procedure"] is None
    assert answer["procedureCode"] == ""


def test_a_follow_up_in_the_same_session_uses_its_context(app):
    first = ask(app, "đăng ký khai tử cần giấy tờ gì")
    follow = ask(app, "còn lệ phí thì sao?", first["sessionId"])
    other = ask(app, "còn lệ phí thì sao?", "someone-else")
    assert follow["procedureCode"] == "HT-03"
    assert follow["citations"] == [{"procedureCode": "HT-03", "field": "fee"}]
    assert other["declined"]


def test_feedback_is_taken_once_and_announced(app, broker):
    queue = broker.capture("assistant", "assistant.feedback_given")
    answer = ask(app, "tách hộ khẩu")
    assert run(app, "feedback", {"traceId": answer["traceId"], "helpful": True}) == {
        "traceId": answer["traceId"], "helpful": True}
    payload = event(broker, queue).payload(assistant_pb2.FeedbackGiven)
    assert payload.helpful and payload.procedure_code == "CTR-06"
    with pytest.raises(AlreadyExists):
        run(app, "feedback", {"traceId": answer["traceId"], "helpful": False})
    with pytest.raises(NotFound):
        run(app, "feedback", {"traceId": "no-such-answer", "helpful": True})
    with pytest.raises(NotFound):
        run(app, "feedback", {"traceId": "20260101-0000", "helpful": True})
    with pytest.raises(NotFound):  # another commune's answer is not this one's
        run(app, "feedback", {"traceId": answer["traceId"], "helpful": True}, "binh-lu")


def test_a_handoff_opens_a_ticket_in_the_askers_language(app, broker, mongo, settings):
    queue = broker.capture("assistant", "assistant.handoff_requested")
    answer = ask(app, "Kuv xav mus ua si")
    ticket = run(app, "handoff", {"traceId": answer["traceId"]})
    stored = mongo[f"{settings.namespace}_assistant"].handoffs.find_one(
        {"_id": ticket["ticketId"]})
    assert stored["status"] == "open" and stored["language"] == "hmn"
    assert ticket["ticketId"] in ticket["message"] and ticket["message"].startswith("Kuv")
    payload = event(broker, queue).payload(assistant_pb2.HandoffRequested)
    assert payload.ticket_id == ticket["ticketId"] and payload.trace_id == answer["traceId"]
    with pytest.raises(InvalidArgument) as nothing:
        run(app, "handoff", {})
    assert nothing.value.fields == {"trace_id": "required without question"}


def test_a_handoff_by_session_joins_that_sessions_traces(app, mongo, settings):
    answer = ask(app, "đăng ký khai sinh", "kiosk-7")
    ticket = run(app, "handoff", {"sessionId": answer["sessionId"],
                                  "question": "cần hỏi thêm cán bộ"})
    stored = mongo[f"{settings.namespace}_assistant"].handoffs.find_one(
        {"_id": ticket["ticketId"]})
    assert stored["session"] == stored_trace(mongo, settings, answer["traceId"])["session"]
    assert stored["session"] == app.session_hash(TENANT, "kiosk-7")


def test_a_long_session_id_of_a_kiosk_still_follows_up(app, mongo, settings):
    """The token an answer gives carries the kiosk's id and more; it must be accepted."""
    first = ask(app, "đăng ký kết hôn", "k" * 100)
    follow = ask(app, "còn lệ phí thì sao?", first["sessionId"])
    assert stored_trace(mongo, settings, follow["traceId"])["follow_up"]
    assert follow["procedureCode"] == first["procedureCode"]
    with pytest.raises(InvalidArgument, match="sessionId"):
        ask(app, "đăng ký kết hôn", "k" * 101)


def test_unknown_communes_are_refused(app):
    with pytest.raises(InvalidArgument, match="unknown commune"):
        run(app, "ask", {"question": "đăng ký khai sinh"}, "nowhere")


def test_seed_loads_the_knowledge_base_idempotently(settings, mongo):
    seed(settings)  # `commune seed` may have run in this session already
    again = seed(settings)
    count = mongo[f"{settings.namespace}_assistant"].procedures.count_documents({})
    assert count == len(default_assistant().kb.procedures)
    assert again.startswith(f"{count} procedures") and again.endswith(", 0 new")
    stored = mongo[f"{settings.namespace}_assistant"].procedures.find_one({"_id": "HT-01"})
    assert stored["version"] == default_assistant().kb.version
    assert stored["documents"][0]["id"] == "to_khai_khai_sinh"


def test_the_relay_sends_what_was_left_unsent(app, broker, mongo, settings):
    """An answer whose event was never sent (the worker died after the insert): the
    relay finds it listed as unsent and sends it."""
    queue = broker.capture("assistant", "assistant.question_answered")
    stopped = AssistantApp(app.store, app.publisher, app.assistant, "test-secret",
                           defer=lambda *_: None)
    answer = ask(stopped, "gia hạn tạm trú")
    [unsent] = stored_trace(mongo, settings, answer["traceId"])["outbox"]
    assert app.store.db.outbox_pending.find_one({"_id": unsent})
    assert app.store.outbox.relay(app.publisher, dt.timedelta(0)) >= 1
    assert event(broker, queue).subject == answer["traceId"]
    assert app.store.db.outbox_pending.find_one({"_id": unsent}) is None
