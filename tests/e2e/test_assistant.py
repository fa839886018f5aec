"""The assistant as citizens, officers and a province reach it: HTTP JSON in Vietnamese,
Hmong and Thái, follow-ups, feedback and handoff, the officers' dossier checker, the
per-client limit, RPC and gRPC."""
import subprocess

import grpc
import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from commune.v1 import assistant_pb2, assistant_pb2_grpc
from services.common.auth import issue_token
from tests.helpers import (
    BIN,
    CALL_TIMEOUT_S,
    env_for,
    http_json,
    metric_value,
    start_grpc,
    start_worker,
)

pytestmark = pytest.mark.e2e

LIMIT = 25


@pytest.fixture(scope="module")
def worker(settings):
    # The test stands as the ingress: it appends each client's address to X-Forwarded-For.
    process = start_worker(settings, "assistant", COMMUNE_ASSISTANT_RATE_LIMIT=f"{LIMIT}/minute",
                           COMMUNE_TRUSTED_PROXIES=1)
    yield process
    process.stop()


@pytest.fixture(scope="module")
def stub(settings):
    process = start_grpc(settings, "assistant")
    channel = grpc.insecure_channel(f"127.0.0.1:{process.grpc_port}")
    yield assistant_pb2_grpc.AssistantServiceStub(channel)
    channel.close()
    process.stop()


def call(worker, path, body=None, client="e2e", token="", raw=None):
    return http_json(worker, "POST" if body is not None or raw is not None else "GET",
                     f"/api/v1/communes/{path}", raw if raw is not None else body, token,
                     {"X-Forwarded-For": client})


@pytest.mark.parametrize(("question", "language", "code", "client"), [
    ("Làm giấy khai sinh cho con cần những giấy tờ gì?", "vi", "HT-01", "vi-1"),
    ("lam giay khai sinh cho con can nhung giay to gi", "vi", "HT-01", "vi-2"),
    ("Kuv xav sau npe sib yuav, pes tsawg nyiaj?", "hmn", "HT-02", "hmn-1"),
    ("Cỏi khắt tẻm chư dú hươn, tẳng đẩy?", "tai", "CTR-01", "tai-1"),
])
def test_citizens_ask_in_their_language(worker, question, language, code, client):
    status, body = call(worker, "lung-phinh/assistant/ask", {"question": question}, client)
    assert status == 200, body
    answer = body["answer"]
    assert answer["language"] == language and answer["procedureCode"] == code
    assert answer["citations"] and all(c["procedureCode"] == code
                                       for c in answer["citations"])
    assert code in answer["text"] and answer["traceId"] and answer["sessionId"]


def test_follow_up_feedback_and_handoff(worker):
    _, first = call(worker, "binh-lu/assistant/ask", {"question": "thủ tục đăng ký khai tử"},
                    "flow")
    status, follow = call(worker, "binh-lu/assistant/ask",
                          {"question": "còn lệ phí thì sao?",
                           "sessionId": first["answer"]["sessionId"]}, "flow")
    follow = follow["answer"]
    assert status == 200 and follow["procedureCode"] == "HT-03"
    assert follow["citations"] == [{"procedureCode": "HT-03", "field": "fee"}]
    status, feedback = call(worker, "binh-lu/assistant/feedback",
                            {"traceId": follow["traceId"], "helpful": True}, "flow")
    assert status == 201 and feedback == {"traceId": follow["traceId"], "helpful": True}
    status, again = call(worker, "binh-lu/assistant/feedback",
                         {"traceId": follow["traceId"], "helpful": False}, "flow")
    assert status == 409, again
    status, ticket = call(worker, "binh-lu/assistant/handoff",
                          {"traceId": follow["traceId"]}, "flow")
    assert status == 201 and ticket["ticketId"].startswith("HO-")
    assert ticket["status"] == "open" and ticket["ticketId"] in ticket["message"]


def test_a_procedure_is_read_in_the_contracts_names(worker):
    status, procedure = call(worker, "binh-lu/assistant/procedures/ht-01", client="reader")
    assert status == 200, procedure
    assert procedure["code"] == "HT-01" and procedure["processingTime"]
    assert procedure["onlineLevel"] in ("full", "partial")
    assert isinstance(procedure["feeVariesByProvince"], bool)
    assert procedure["documents"][0]["id"] == "to_khai_khai_sinh"


def test_the_dossier_checker_is_for_officers(worker, settings):
    dossier = {"procedureCode": "HT-02", "papers": [{"document": "to_khai_ket_hon"}]}
    status, _ = call(worker, "binh-lu/assistant/check-dossier", dossier, "officer")
    assert status == 401
    token = issue_token(settings, "can-bo-tp-01", "officer", ["binh-lu"])
    status, result = call(worker, "binh-lu/assistant/check-dossier", dossier, "officer", token)
    assert status == 200 and not result["complete"]
    assert [d["id"] for d in result["missing"]] == ["giay_to_tuy_than"]
    with_id = {**dossier, "papers": dossier["papers"] + [{"document": "CCCD"}]}
    status, result = call(worker, "binh-lu/assistant/check-dossier", with_id, "officer", token)
    assert status == 200 and result["complete"] and result["notAccepted"] == []
    copied = {"procedureCode": "HT-01", "papers": [{"document": "giay_chung_sinh",
                                                    "form": "PAPER_FORM_PHOTOCOPY"}]}
    status, result = call(worker, "binh-lu/assistant/check-dossier", copied, "officer", token)
    assert status == 200 and [d["id"] for d in result["needsOriginal"]] == ["giay_chung_sinh"]
    status, error = call(worker, "binh-lu/assistant/check-dossier",
                         {"procedureCode": "ZZ-01", "papers": []}, "officer", token)
    assert status == 404 and "ZZ-01" in error["detail"]
    status, error = call(worker, "binh-lu/assistant/check-dossier",
                         {"procedure": "HT-01", "papers": []}, "officer", token)
    assert status == 400 and error["fields"] == {"procedureCode": "Field required",
                                                 "procedure": "Extra inputs are not permitted"}


@pytest.mark.parametrize(("path", "body", "raw", "status", "field"), [
    ("binh-lu/assistant/ask", {"question": ""}, None, 400, "question"),
    ("binh-lu/assistant/ask", {"question": "khai sinh " * 60}, None, 400, "question"),
    ("binh-lu/assistant/ask", {"text": "đăng ký khai sinh"}, None, 400, "question"),
    ("binh-lu/assistant/ask", {"question": "khai sinh", "sessionId": "k" * 101}, None, 400,
     "sessionId"),
    ("binh-lu/assistant/ask", None, b"{not json", 400, None),
    ("nowhere/assistant/ask", {"question": "đăng ký khai sinh"}, None, 400, "tenant"),
    ("binh-lu/assistant/feedback", {"traceId": "x", "helpful": "maybe"}, None, 400, "helpful"),
    ("binh-lu/assistant/handoff", {}, None, 400, "traceId"),
    ("nowhere/assistant/procedures/HT-01", None, None, 400, "tenant"),
    ("binh-lu/assistant/procedures/ZZ-99", None, None, 404, None),
])
def test_bad_input_gets_a_clear_error(worker, path, body, raw, status, field):
    got, answer = call(worker, path, body, "bad-input", raw=raw)
    assert got == status and answer["detail"]
    assert answer.get("field") == field, answer


def test_mixed_scripts_get_a_polite_decline_that_is_counted(worker):
    labels = {"tenant": "binh-lu", "language": "vi", "outcome": "declined"}
    before = metric_value(worker.metrics(), "commune_assistant_answers_total", **labels)
    status, body = call(worker, "binh-lu/assistant/ask", {"question": "签证 😀 ???"}, "mixed")
    assert status == 200 and body["answer"]["declined"]
    assert "cán bộ" in body["answer"]["text"]
    assert metric_value(worker.metrics(), "commune_assistant_answers_total",
                        **labels) == before + 1


def test_each_client_without_a_token_is_limited(worker, settings):
    answers = [call(worker, "binh-lu/assistant/ask", {"question": "tách hộ"}, "greedy")
               for _ in range(LIMIT + 1)]
    statuses = [status for status, _ in answers]
    assert statuses[:LIMIT] == [200] * LIMIT and statuses[LIMIT] == 429
    assert answers[LIMIT][1]["code"] == "RESOURCE_EXHAUSTED"  # a problem+json body
    assert call(worker, "binh-lu/assistant/ask", {"question": "tách hộ"}, "patient")[0] == 200
    # the console's kiosk calls with a token of its own and counts each citizen itself
    kiosk = issue_token(settings, "console-kiosk", "citizen", ["binh-lu"])
    assert call(worker, "binh-lu/assistant/ask", {"question": "tách hộ"}, "greedy",
                kiosk)[0] == 200


def test_other_services_ask_over_rpc(worker, settings):
    with ClusterRpcProxy(settings.nameko_config(), timeout=CALL_TIMEOUT_S) as proxy:
        answered = proxy.assistant.ask({"tenant": "binh-lu", "question": "chứng thực chữ ký"})
    assert answered["answer"]["procedureCode"] == "CT-02"


def test_a_province_asks_and_checks_over_grpc(stub, settings):
    token = issue_token(settings, "lai-chau", "province", ["binh-lu"])
    metadata = [("authorization", f"Bearer {token}")]
    response = stub.Ask(assistant_pb2.AskRequest(tenant="binh-lu",
                                                 question="nyiaj pab neeg laus txhua hli"),
                        metadata=metadata)
    assert response.answer.procedure_code == "XH-01" and response.answer.language == "hmn"
    assert response.answer.citations[0].procedure_code == "XH-01"
    anyone = stub.Ask(assistant_pb2.AskRequest(tenant="binh-lu", question="đăng ký khai sinh"))
    assert anyone.answer.procedure_code == "HT-01", "asking is public, as over HTTP"
    with pytest.raises(grpc.RpcError) as denied:
        stub.CheckDossier(assistant_pb2.CheckDossierRequest(tenant="binh-lu",
                                                            procedure_code="HT-01"),
                          metadata=metadata)
    assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
    officer = [("authorization",
                f"Bearer {issue_token(settings, 'cb', 'officer', ['binh-lu'])}")]
    checked = stub.CheckDossier(assistant_pb2.CheckDossierRequest(
        tenant="binh-lu", procedure_code="HT-01", papers=[assistant_pb2.SubmittedPaper(
            document="giay_chung_sinh", form=assistant_pb2.PAPER_FORM_PHOTOCOPY)]),
        metadata=officer)
    assert not checked.complete
    assert [d.id for d in checked.needs_original] == ["giay_chung_sinh"]
    motorbike = stub.CheckDossier(assistant_pb2.CheckDossierRequest(
        tenant="binh-lu", procedure_code="HT-02", papers=[
            assistant_pb2.SubmittedPaper(document="to_khai_ket_hon"),
            assistant_pb2.SubmittedPaper(document="giấy đăng ký xe máy")]), metadata=officer)
    assert [d.id for d in motorbike.missing] == ["giay_to_tuy_than"]
    [rejected] = motorbike.not_accepted
    assert (rejected.paper, rejected.kind) == ("giấy đăng ký xe máy", "dang_ky_xe")
    assert "không phải giấy tờ tùy thân" in rejected.problem
    with pytest.raises(grpc.RpcError) as unknown_form:
        stub.CheckDossier(assistant_pb2.CheckDossierRequest(
            tenant="binh-lu", procedure_code="HT-01",
            papers=[assistant_pb2.SubmittedPaper(document="giay_chung_sinh", form=9)]),
            metadata=officer)
    assert unknown_form.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_commune_ask_answers_in_the_terminal(worker, settings):
    done = subprocess.run([str(BIN / "commune"), "ask", "dang ky tam tru o dau", "--tenant",
                           "lung-phinh"], env=env_for(settings), capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "CTR-02" in done.stdout and "Nơi nộp" in done.stdout
    empty = subprocess.run([str(BIN / "commune"), "ask", " "], env=env_for(settings),
                           capture_output=True, text=True, timeout=60)
    assert empty.returncode == 2 and "empty" in empty.stderr
