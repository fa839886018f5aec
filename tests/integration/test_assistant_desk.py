"""The assistant's operations on the real database and broker: every answer leaves a
trace with no personal data and announces it; follow-ups find their session; feedback
is taken once; a handoff opens a ticket and says so."""
import datetime as dt

import pytest

from commune.v1 import assistant_pb2
from services.assistant.desk import Desk
from services.assistant.domain import default_assistant
from services.assistant.store import AssistantStore, seed
from services.common.envelope import Envelope
from services.common.errors import AlreadyExists, InvalidArgument, NotFound
from services.common.publisher import Publisher
from tests.helpers import Broker

pytestmark = pytest.mark.integration

TENANT = "lung-phinh"


@pytest.fixture(scope="module")
def broker(settings):
    broker = Broker(settings)
    yield broker
    broker.close()


@pytest.fixture(scope="module")
def desk(mongo, settings):
    publisher = Publisher(settings.amqp_uri, settings.namespace)
    store = AssistantStore(mongo[f"{settings.namespace}_assistant"])
    yield Desk(store, publisher, default_assistant(), "test-secret")
    publisher.close()


def stored_trace(mongo, settings, trace_id: str) -> dict:
    day = dt.datetime.strptime(trace_id[:8], "%Y%m%d").date()
    return mongo[f"{settings.namespace}_assistant"][AssistantStore.traces(day)].find_one(
        {"_id": trace_id})


def event(broker, queue) -> Envelope:
    return Envelope.parse(broker.take(queue).body)


def test_an_answer_is_traced_without_personal_data_and_announced(desk, broker, mongo,
                                                                 settings):
    queue = broker.capture("assistant", "assistant.question_answered")
    answer = desk.ask(TENANT, {"text": "Tôi CCCD 012345678901, sđt 0912 345 678, làm giấy "
                                       "khai sinh cần gì?", "session_id": "phone-abc"})
    trace = stored_trace(mongo, settings, answer["trace_id"])
    assert trace["tenant"] == TENANT and trace["procedure"]["code"] == "HT-01"
    assert "012345678901" not in trace["question"] and "0912" not in trace["question"]
    assert "phone-abc" not in str(trace) and len(trace["session"]) == 24
    assert trace["answer"] == answer["answer"] and trace["latency_ms"] > 0
    assert trace["citations"] == [{"code": "HT-01", "field": "documents"}]
    announced = event(broker, queue)
    assert (announced.type, announced.tenant, announced.subject) == (
        "assistant.question_answered", TENANT, answer["trace_id"])
    payload = announced.payload(assistant_pb2.QuestionAnswered)
    assert payload.procedure_code == "HT-01" and payload.session_hash == trace["session"]
    assert not stored_trace(mongo, settings, answer["trace_id"])["outbox"], \
        "the outbox is emptied once published"


def test_a_declined_question_is_traced_too(desk, mongo, settings):
    answer = desk.ask(TENANT, {"text": "giá phân bón hôm nay"})
    trace = stored_trace(mongo, settings, answer["trace_id"])
    assert answer["declined"] and trace["declined"] and trace["procedure"] is None


def test_a_follow_up_in_the_same_session_uses_its_context(desk):
    first = desk.ask(TENANT, {"text": "đăng ký khai tử cần giấy tờ gì"})
    follow = desk.ask(TENANT, {"text": "còn lệ phí thì sao?",
                               "session_id": first["session_id"]})
    other = desk.ask(TENANT, {"text": "còn lệ phí thì sao?", "session_id": "someone-else"})
    assert follow["procedure"]["code"] == "HT-03" and follow["intents"] == ["fee"]
    assert other["declined"]


def test_feedback_is_taken_once_and_announced(desk, broker):
    queue = broker.capture("assistant", "assistant.feedback_given")
    answer = desk.ask(TENANT, {"text": "tách hộ khẩu"})
    assert desk.feedback(TENANT, {"trace_id": answer["trace_id"], "helpful": True}) == {
        "trace_id": answer["trace_id"], "helpful": True}
    payload = event(broker, queue).payload(assistant_pb2.FeedbackGiven)
    assert payload.helpful and payload.procedure_code == "CTR-06"
    with pytest.raises(AlreadyExists):
        desk.feedback(TENANT, {"trace_id": answer["trace_id"], "helpful": False})
    with pytest.raises(NotFound):
        desk.feedback(TENANT, {"trace_id": "no-such-answer", "helpful": True})
    with pytest.raises(NotFound):
        desk.feedback(TENANT, {"trace_id": "20260101-0000", "helpful": True})
    with pytest.raises(NotFound):  # another commune's answer is not this one's
        desk.feedback("binh-lu", {"trace_id": answer["trace_id"], "helpful": True})


def test_a_handoff_opens_a_ticket_in_the_askers_language(desk, broker, mongo, settings):
    queue = broker.capture("assistant", "assistant.handoff_requested")
    answer = desk.ask(TENANT, {"text": "Kuv xav mus ua si"})
    ticket = desk.handoff(TENANT, {"trace_id": answer["trace_id"]})
    stored = mongo[f"{settings.namespace}_assistant"].handoffs.find_one(
        {"_id": ticket["ticket_id"]})
    assert stored["status"] == "open" and stored["language"] == "hmn"
    assert ticket["ticket_id"] in ticket["message"] and ticket["message"].startswith("Kuv")
    payload = event(broker, queue).payload(assistant_pb2.HandoffRequested)
    assert payload.ticket_id == ticket["ticket_id"] and payload.trace_id == answer["trace_id"]
    with pytest.raises(InvalidArgument):
        desk.handoff(TENANT, {})


def test_a_handoff_by_session_joins_that_sessions_traces(desk, mongo, settings):
    answer = desk.ask(TENANT, {"text": "đăng ký khai sinh", "session_id": "kiosk-7"})
    ticket = desk.handoff(TENANT, {"session_id": answer["session_id"],
                                   "question": "cần hỏi thêm cán bộ"})
    stored = mongo[f"{settings.namespace}_assistant"].handoffs.find_one(
        {"_id": ticket["ticket_id"]})
    assert stored["session"] == stored_trace(mongo, settings, answer["trace_id"])["session"]
    assert stored["session"] == desk.session_hash(TENANT, "kiosk-7")


def test_a_long_session_id_of_a_kiosk_still_follows_up(desk):
    """The token an answer gives carries the kiosk's id and more; it must be accepted."""
    first = desk.ask(TENANT, {"text": "đăng ký kết hôn", "session_id": "k" * 100})
    follow = desk.ask(TENANT, {"text": "còn lệ phí thì sao?",
                               "session_id": first["session_id"]})
    assert follow["follow_up"] and follow["procedure"]["code"] == first["procedure"]["code"]
    with pytest.raises(InvalidArgument, match="session_id"):
        desk.ask(TENANT, {"text": "đăng ký kết hôn", "session_id": "k" * 101})


def test_unknown_communes_are_refused(desk):
    with pytest.raises(InvalidArgument, match="unknown commune"):
        desk.ask("nowhere", {"text": "đăng ký khai sinh"})


def test_seed_loads_the_knowledge_base_idempotently(settings, mongo):
    seed(settings)  # `commune seed` may have run in this session already
    again = seed(settings)
    count = mongo[f"{settings.namespace}_assistant"].procedures.count_documents({})
    assert count == len(default_assistant().kb.procedures)
    assert again.startswith(f"{count} procedures") and again.endswith(", 0 new")
    stored = mongo[f"{settings.namespace}_assistant"].procedures.find_one({"_id": "HT-01"})
    assert stored["version"] == default_assistant().kb.version
    assert stored["documents"][0]["id"] == "to_khai_khai_sinh"


def test_the_relay_sends_what_was_left_unsent(desk, broker, mongo, settings):
    """An answer whose event was never sent (the worker died after the insert): the
    relay finds it in today's traces and sends it."""
    queue = broker.capture("assistant", "assistant.question_answered")
    stopped = Desk(desk.store, desk.publisher, desk.assistant, "test-secret",
                   defer=lambda *_: None)
    answer = stopped.ask(TENANT, {"text": "gia hạn tạm trú"})
    assert stored_trace(mongo, settings, answer["trace_id"])["outbox"]
    traces = desk.store.traces(dt.datetime.now(dt.UTC).date())
    assert desk.store.outbox(traces, desk.publisher).relay(dt.timedelta(0)) >= 1
    assert event(broker, queue).subject == answer["trace_id"]
    assert not stored_trace(mongo, settings, answer["trace_id"])["outbox"]
