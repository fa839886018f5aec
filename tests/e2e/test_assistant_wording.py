"""The wording review over HTTP, as a native-speaker reviewer and a citizen reach it: a
Hmong answer says which phrases are still Vietnamese and whether its wording was
reviewed; the reviewer lists, edits and reviews the wording of their commune, a stale
revision answers 409, and the next answer uses the edit; gRPC carries the same fields."""
import grpc
import pytest

from commune.v1 import assistant_pb2, assistant_pb2_grpc
from services.common.auth import issue_token
from tests.helpers import http_json, start_grpc, start_worker

pytestmark = pytest.mark.e2e

TENANT = "lung-phinh"
WORDING = f"/api/v1/communes/{TENANT}/assistant/wording/hmn"
QUESTION = "sau npe sib yuav pes tsawg nyiaj"  # Hmong: the fee of marriage registration


@pytest.fixture(scope="module")
def worker(settings):
    process = start_worker(settings, "assistant")
    yield process
    process.stop()


@pytest.fixture(scope="module")
def reviewer(settings):
    return issue_token(settings, "vang-thi-mai", "reviewer", [TENANT])


def ask(worker, question: str) -> dict:
    status, body = http_json(worker, "POST", f"/api/v1/communes/{TENANT}/assistant/ask",
                             {"question": question})
    assert status == 200, body
    return body["answer"]


def test_a_reviewer_edits_and_reviews_what_hmong_answers_say(worker, reviewer):
    before = ask(worker, QUESTION)
    assert before["language"] == "hmn" and before["procedureCode"] == "HT-02"
    assert before["wordingReviewed"] is False  # machine-drafted, as shipped
    partly = ask(worker, "lees paub kos npe")  # CT-02: some phrases the glossary lacks
    assert partly["language"] == "hmn" and partly["vietnameseFallback"]
    assert partly["vietnameseTerms"] and all(f"«{term}»" in partly["text"]
                                             for term in partly["vietnameseTerms"])
    assert "« »" in partly["text"].splitlines()[-1]  # the note saying what they are

    status, listed = http_json(worker, "GET", f"{WORDING}?reviewed=false&pageSize=200",
                               token=reviewer)
    assert status == 200, listed
    fee = next(e for e in listed["entries"] if (e["kind"], e["key"]) == ("sentence", "fee"))
    assert fee["vi"] == "Phí, lệ phí: {value}"
    seen = fee["revision"]  # 0 as shipped, unless an earlier run edited it

    status, edited = http_json(worker, "POST", f"{WORDING}/edit",
                               {"kind": "sentence", "key": "fee", "revision": seen,
                                "text": "Tus nqi them: {value}"}, reviewer)
    assert status == 200 and edited["revision"] == seen + 1 and not edited["reviewed"], edited
    status, stale = http_json(worker, "POST", f"{WORDING}/review",
                              {"kind": "sentence", "key": "fee", "revision": seen}, reviewer)
    assert status == 409 and f"revision {seen + 1}, not {seen}" in stale["detail"], stale
    status, reviewed = http_json(worker, "POST", f"{WORDING}/review",
                                 {"kind": "sentence", "key": "fee", "revision": seen + 1},
                                 reviewer)
    assert status == 200 and reviewed["reviewer"] == "vang-thi-mai" and reviewed["reviewedAt"]

    after = ask(worker, QUESTION)
    assert "Tus nqi them: " in after["text"] and "Nqi: " not in after["text"]


@pytest.mark.parametrize(("role", "tenants", "method", "path", "body", "status"), [
    ("citizen", [TENANT], "GET", WORDING, None, 403),
    ("operator", [TENANT], "POST", f"{WORDING}/review",
     {"kind": "sentence", "key": "how", "revision": 0}, 403),
    ("reviewer", ["binh-lu"], "GET", WORDING, None, 403),
    ("", [], "GET", WORDING, None, 401),
    ("reviewer", [TENANT], "GET", f"/api/v1/communes/{TENANT}/assistant/wording/fr", None,
     400),
    ("reviewer", [TENANT], "POST", f"{WORDING}/edit",
     {"kind": "sentence", "key": "where", "revision": 0, "text": "Xa rau qhov twg"}, 400),
    ("reviewer", [TENANT], "POST", f"{WORDING}/review",
     {"kind": "term", "key": "no such phrase", "revision": 0}, 404),
])
def test_who_may_review_and_what_is_refused(worker, settings, role, tenants, method, path,
                                            body, status):
    token = issue_token(settings, "someone", role, tenants) if role else ""
    got, problem = http_json(worker, method, path, body, token)
    assert got == status, problem
    assert problem["title"] and problem["detail"] and "Traceback" not in str(problem)


def test_grpc_answers_carry_the_vietnamese_terms_and_the_review_status(settings):
    process = start_grpc(settings, "assistant")
    try:
        with grpc.insecure_channel(f"127.0.0.1:{process.grpc_port}") as channel:
            answer = assistant_pb2_grpc.AssistantServiceStub(channel).Ask(
                assistant_pb2.AskRequest(tenant="binh-lu", question=QUESTION),
                timeout=30).answer
    finally:
        process.stop()
    assert answer.language == "hmn" and answer.procedure_code == "HT-02"
    assert answer.wording_reviewed is False
    assert all(term in answer.text for term in answer.vietnamese_terms)
