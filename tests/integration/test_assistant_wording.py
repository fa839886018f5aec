"""The Hmong and Thái wording reviewed and edited on the real database: a review names who
and when, an edit is a new revision that awaits review again, a change made on a stale
revision is refused, and a commune's answers use its own reviews and edits only."""
import pytest

from services.assistant.app import OPERATIONS, AssistantApp
from services.assistant.domain import default_assistant
from services.assistant.store import AssistantStore
from services.assistant.wording import Entry, phrase_key
from services.assistant.wording_store import WordingStore
from services.common.api.operations import invoke, parse
from services.common.auth import Principal
from services.common.errors import FailedPrecondition, InvalidArgument, NotFound
from services.common.publisher import Publisher

pytestmark = pytest.mark.integration

TENANT, OTHER = "lung-phinh", "binh-lu"
REVIEWER = Principal("mua-a-pao", "reviewer", frozenset({TENANT, OTHER}))
# A fee question in Hmong: its answer's first sentence is the heading, its second the fee.
FEE_QUESTION = "sau npe sib yuav pes tsawg nyiaj"


@pytest.fixture(scope="module")
def app(mongo, settings):
    publisher = Publisher(settings.amqp_uri, settings.namespace)
    db = mongo[f"{settings.namespace}_assistant"]
    db.wording.delete_many({})
    yield AssistantApp(AssistantStore(db), publisher, default_assistant(), "test-secret")
    publisher.close()
    db.wording.delete_many({})  # the e2e tests review the same communes' wording


def run(app, name: str, request: dict, tenant: str = TENANT,
        principal: Principal | None = REVIEWER) -> dict:
    operation = OPERATIONS[name]
    return invoke(app, operation, principal,
                  parse(operation, {"tenant": tenant, **request})).wire()


def entry(app, language: str, kind: str, key: str, tenant: str = TENANT,
          page_token_pages: int = 1) -> dict:
    """The entry as listed, looked for in the first pages of 200."""
    entries, token = [], ""
    for _ in range(page_token_pages):
        listed = run(app, "list_wording", {"language": language, "pageSize": 200,
                                           "pageToken": token}, tenant)
        entries += listed["entries"]
        token = listed["nextPageToken"]
        if not token:
            break
    found = [e for e in entries if (e["kind"], e["key"]) == (kind, key)]
    assert len(found) == 1, f"{kind} {key!r} listed {len(found)} times"
    return found[0]


def ask(app, question: str, tenant: str = TENANT) -> dict:
    return run(app, "ask", {"question": question}, tenant, None)["answer"]


def test_the_shipped_wording_is_listed_unreviewed_and_paged(app):
    first = run(app, "list_wording", {"language": "tai", "pageSize": 10})
    assert len(first["entries"]) == 10 and first["nextPageToken"]
    assert first["totalSize"] > 10
    assert {e["revision"] for e in first["entries"]} == {0}
    assert not any(e["reviewed"] for e in first["entries"])
    fee = next(e for e in first["entries"] if e["key"] == "fee")
    assert fee["kind"] == "sentence" and fee["vi"] == "Phí, lệ phí: {value}"


def test_a_review_names_who_and_when_and_the_answer_shows_it(app):
    before = ask(app, FEE_QUESTION)
    assert before["vietnameseTerms"] == [], "the glossary has every phrase of this answer"
    assert not before["wordingReviewed"]
    procedure = app.assistant.kb.get("HT-02")
    used = [("sentence", k) for k in ("heading", "fee", "citation")] + [
        ("term", phrase_key(p)) for p in (procedure.name, procedure.field, procedure.fee)]
    for kind, key in used:
        reviewed = run(app, "review_wording", {"language": "hmn", "kind": kind, "key": key,
                                               "revision": 0})
        assert reviewed["reviewed"] and reviewed["reviewer"] == "mua-a-pao"
        assert reviewed["reviewedAt"] and reviewed["revision"] == 0
    assert ask(app, FEE_QUESTION)["wordingReviewed"]
    assert not ask(app, FEE_QUESTION, OTHER)["wordingReviewed"], \
        "another commune's review is not this one's"
    assert not entry(app, "hmn", "sentence", "fee", OTHER)["reviewed"]
    only_reviewed = run(app, "list_wording", {"language": "hmn", "reviewed": True})
    assert {(e["kind"], e["key"]) for e in only_reviewed["entries"]} == set(used)
    # an edit awaits review again, and so does every answer using it
    run(app, "edit_wording", {"language": "hmn", "kind": "term", "key": used[-1][1],
                              "revision": 0, "text": "Tsis them nqi sau npe sib yuav"})
    after = ask(app, FEE_QUESTION)
    assert "Tsis them nqi sau npe sib yuav" in after["text"] and not after["wordingReviewed"]


def test_an_edit_is_a_new_revision_awaiting_review_and_a_stale_one_is_refused(app):
    run(app, "review_wording", {"language": "tai", "kind": "sentence", "key": "where",
                                "revision": 0})
    edited = run(app, "edit_wording", {"language": "tai", "kind": "sentence",
                                       "key": "where", "revision": 0,
                                       "text": "Nộp tẳng đẩy (xã): {value}"})
    assert edited["revision"] == 1 and not edited["reviewed"] and not edited["reviewer"]
    assert "Nộp tẳng đẩy (xã): " in ask(app, "tẻm chư dú tạm tẳng đẩy")["text"]
    assert "Nộp tẳng đẩy (xã)" not in ask(app, "tẻm chư dú tạm tẳng đẩy", OTHER)["text"]
    for change in ("edit_wording", "review_wording"):
        with pytest.raises(FailedPrecondition, match="revision 1, not 0"):
            run(app, change, {"language": "tai", "kind": "sentence", "key": "where",
                              "revision": 0, **({"text": "x {value}"}
                                                if change == "edit_wording" else {})})
    again = run(app, "review_wording", {"language": "tai", "kind": "sentence",
                                        "key": "where", "revision": 1})
    assert again["reviewed"] and again["text"] == "Nộp tẳng đẩy (xã): {value}"


def test_a_stale_write_racing_another_is_refused_by_the_store(app, mongo, settings):
    """Two editors who both saw revision 0: the second write finds revision 1 stored."""
    store = WordingStore(mongo[f"{settings.namespace}_assistant"])
    store.save(TENANT, "hmn", "sentence", "how", 0, Entry(text="A: {value}", revision=1))
    with pytest.raises(FailedPrecondition):
        store.save(TENANT, "hmn", "sentence", "how", 0, Entry(text="B: {value}", revision=1))
    assert [e["text"] for e in store.stored(TENANT, "hmn") if e["key"] == "how"] == [
        "A: {value}"]


@pytest.mark.parametrize(("request_", "error", "says"), [
    ({"kind": "sentence", "key": "fee", "text": "Nqi"}, InvalidArgument, "{value}"),
    ({"kind": "term", "key": "đăng ký kết hôn", "text": "{x}"}, InvalidArgument, "{n}"),
    ({"kind": "term", "key": "no such phrase", "text": "x"}, NotFound, "listWording"),
])
def test_an_edit_that_would_break_answers_or_names_nothing_is_refused(app, request_, error,
                                                                      says):
    with pytest.raises(error, match=says.replace("{", r"\{").replace("}", r"\}")):
        run(app, "edit_wording", {"language": "hmn", "revision": 0, **request_})


def test_a_handoff_tells_the_citizen_in_the_communes_own_wording(app):
    """The kiosk's message for a Hmong question passed to an officer, as edited."""
    run(app, "edit_wording", {"language": "hmn", "kind": "sentence", "key": "handoff",
                              "revision": 0, "text": "Daim {ticket}: tus neeg ua haujlwm "
                                                     "yuav hu rau koj."})
    answer = ask(app, "Kuv xav mus ua si")
    ticket = run(app, "handoff", {"traceId": answer["traceId"]}, principal=None)
    assert ticket["message"] == f"Daim {ticket['ticketId']}: tus neeg ua haujlwm yuav hu " \
                                "rau koj."


def test_a_phrase_the_glossary_lacks_is_listed_written_and_then_said_in_the_language(app):
    question = "lees paub kos npe"  # CT-02: its place of submission is not in the glossary
    place = app.assistant.kb.get("CT-02").where.rstrip(".")
    before = ask(app, question)
    assert place in before["vietnameseTerms"] and f"«{place}»" in before["text"]
    listed = entry(app, "hmn", "term", phrase_key(place), page_token_pages=3)
    assert listed["text"] == "" and listed["vi"] == place and listed["revision"] == 0
    with pytest.raises(FailedPrecondition, match="no text yet"):
        run(app, "review_wording", {"language": "hmn", "kind": "term",
                                    "key": phrase_key(place), "revision": 0})
    written = run(app, "edit_wording", {"language": "hmn", "kind": "term",
                                        "key": phrase_key(place), "revision": 0,
                                        "text": "Chaw txais ntaub ntawv ntawm txhua xã"})
    assert written["revision"] == 1 and written["vi"] == place
    after = ask(app, question)
    assert place not in after["vietnameseTerms"]
    assert "Chaw txais ntaub ntawv ntawm txhua xã" in after["text"]
    assert place in ask(app, question, OTHER)["vietnameseTerms"], "only this commune's"
