"""The officers' handoff desk end to end: a citizen's declined question becomes a ticket,
an officer claims and answers it, and the kiosk session that asked reads the reply (no
other session can); a ticket no officer claims in time becomes an IOC alert that the
claim resolves; feedback on answers becomes the KPI report's satisfaction line."""
import datetime as dt

import pytest

from services.common.auth import issue_token
from services.kpi.satisfaction import INDICATOR
from tests.helpers import http_json, metric_value, start_worker, wait_for

pytestmark = pytest.mark.e2e

TENANT = "binh-lu"
ASSISTANT = f"/api/v1/communes/{TENANT}/assistant"
# Out of the knowledge base's scope, with a phone number the trail must not keep.
DECLINED = "Giá vàng hôm nay bao nhiêu? Gọi lại cho tôi số 0912 345 678"


@pytest.fixture(scope="module")
def assistant(settings):
    """An assistant worker that announces a ticket unclaimed after one second."""
    process = start_worker(settings, "assistant", COMMUNE_HANDOFF_CLAIM_WITHIN_S=1,
                           COMMUNE_HANDOFF_CHECK_S=0.5,
                           COMMUNE_ASSISTANT_RATE_LIMIT="10000/minute")
    yield process
    process.stop()


def officer(settings, subject="cb-tthcc-01", role="officer"):
    return issue_token(settings, subject, role, [TENANT])


def ask(assistant, question: str, session: str = "") -> dict:
    status, body = http_json(assistant, "POST", f"{ASSISTANT}/ask",
                             {"question": question, "sessionId": session})
    assert status == 200, body
    return body["answer"]


def open_ticket(assistant, **body) -> str:
    status, ticket = http_json(assistant, "POST", f"{ASSISTANT}/handoff", body)
    assert status == 201 and ticket["status"] == "open", ticket
    return ticket["ticketId"]


def reply(assistant, ticket: str, session: str) -> tuple[int, dict]:
    return http_json(assistant, "GET", f"{ASSISTANT}/handoffs/{ticket}/reply?sessionId={session}")


def desk(assistant, token: str, ticket: str, action: str, **body) -> tuple[int, dict]:
    return http_json(assistant, "POST", f"{ASSISTANT}/handoffs/{ticket}/{action}", body, token)


def test_an_officer_answers_a_declined_question_and_only_its_kiosk_session_reads_it(
        settings, platform, assistant):
    answer = ask(assistant, DECLINED, "kiosk-ubnd-07")
    assert answer["declined"] is True
    session = answer["sessionId"]
    ticket = open_ticket(assistant, traceId=answer["traceId"], sessionId=session)
    status, waiting = reply(assistant, ticket, session)
    assert status == 200 and (waiting["status"], waiting["reply"]) == ("open", "")

    cb01, cb02 = officer(settings), officer(settings, "cb-tthcc-02")
    status, listed = http_json(assistant, "GET", f"{ASSISTANT}/handoffs?status=open", None,
                               cb01)
    [row] = [t for t in listed["handoffs"] if t["ticketId"] == ticket]
    assert row["traceId"] == answer["traceId"] and "0912" not in row["question"]
    assert "[…]" in row["question"]

    status, claimed = desk(assistant, cb01, ticket, "claim")
    assert status == 200 and (claimed["status"], claimed["claimedBy"]) == ("claimed", "cb-tthcc-01")
    status, problem = desk(assistant, cb02, ticket, "claim")
    assert status == 409 and problem["code"] == "FAILED_PRECONDITION"
    status, problem = desk(assistant, cb02, ticket, "answer", text="Tôi trả lời thay.")
    assert status == 403 and problem["code"] == "PERMISSION_DENIED"
    text = "Giá vàng không thuộc thủ tục của xã; anh/chị hỏi cửa hàng vàng bạc."
    status, answered = desk(assistant, cb01, ticket, "answer", text=text)
    assert status == 200 and (answered["status"], answered["reply"]) == ("answered", text)

    # the kiosk asks again with the token its first answer gave, or its own id
    for asked_by in (session, "kiosk-ubnd-07"):
        status, seen = reply(assistant, ticket, asked_by)
        assert status == 200 and (seen["status"], seen["reply"]) == ("answered", text)
        assert seen["answerTime"]
    for stranger in ("kiosk-ubnd-08", ask(assistant, "thủ tục khai tử")["sessionId"]):
        status, problem = reply(assistant, ticket, stranger)
        assert status == 404 and problem["code"] == "NOT_FOUND"
        assert text not in str(problem)

    status, closed = desk(assistant, cb01, ticket, "close", note="đã trả lời")
    assert status == 200 and (closed["status"], closed["note"]) == ("closed", "đã trả lời")
    status, listed = http_json(assistant, "GET", f"{ASSISTANT}/handoffs?status=open", None,
                               cb01)
    assert ticket not in {t["ticketId"] for t in listed["handoffs"]}


def test_officers_read_the_answers_trail_masked_as_stored(settings, platform, assistant):
    answer = ask(assistant, DECLINED)
    day = answer["traceId"][:8]
    status, trail = http_json(
        assistant, "GET", f"{ASSISTANT}/traces?day={day[:4]}-{day[4:6]}-{day[6:]}&pageSize=200",
        None, officer(settings))
    assert status == 200
    [trace] = [t for t in trail["traces"] if t["traceId"] == answer["traceId"]]
    assert trace["declined"] is True and trace["answer"] == answer["text"]
    assert "0912" not in trace["question"] and trace["question"].startswith("Giá vàng")
    status, problem = http_json(assistant, "GET", f"{ASSISTANT}/traces", None,
                                issue_token(settings, "dan", "citizen", [TENANT]))
    assert status == 403 and problem["code"] == "PERMISSION_DENIED"


def alert(ioc, operator: str, ticket: str, status: str) -> dict:
    def found():
        _, body = http_json(ioc["worker"], "GET",
                            f"/api/v1/communes/{TENANT}/ioc/alerts?ruleId=handoff-unclaimed",
                            None, operator)
        return next((a for a in body["alerts"]
                     if a["subject"] == ticket and a["status"] == status), None)
    return wait_for(found, what=f"the handoff-unclaimed alert of {ticket} {status}")


def test_a_ticket_no_officer_claims_in_time_alerts_the_ioc_until_claimed(
        settings, platform, assistant, ioc):
    processes, _ = ioc
    operator = issue_token(settings, "op-lan", "operator", [TENANT])
    ticket = open_ticket(assistant, question="Tôi cần gặp cán bộ địa chính",
                         sessionId="kiosk-ubnd-09")
    raised = alert(processes, operator, ticket, "ALERT_STATUS_OPEN")
    assert "Tôi cần gặp cán bộ địa chính" in raised["title"]
    _, listed = http_json(assistant, "GET", f"{ASSISTANT}/handoffs?status=open", None,
                          officer(settings))
    [row] = [t for t in listed["handoffs"] if t["ticketId"] == ticket]
    assert row["unclaimedAlerted"] is True
    status, _ = desk(assistant, officer(settings), ticket, "claim")
    assert status == 200
    alert(processes, operator, ticket, "ALERT_STATUS_RESOLVED")
    counted = assistant.metrics()
    for move in ("unclaimed_alerted", "claimed"):
        assert metric_value(counted, "commune_assistant_handoff_moves_total", tenant=TENANT,
                            move=move) >= 1


def satisfaction_row(kpi, token: str, period: str) -> dict:
    status, report = http_json(kpi, "GET", f"/api/v1/communes/{TENANT}/kpi/report?"
                                           f"period={period}", None, token)
    assert status == 200, report
    return next(r for r in report["rows"] if r["indicator"] == INDICATOR)


def test_feedback_on_answers_is_the_kpi_reports_satisfaction(settings, platform, assistant):
    chair = issue_token(settings, "chu-tich-binh-lu", "admin", [TENANT])
    today = dt.datetime.now(dt.UTC).date()
    period = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    status, target = http_json(platform["kpi"], "PUT", f"/api/v1/communes/{TENANT}/kpi/targets",
                               {"indicator": INDICATOR, "period": str(today.year),
                                "comparison": "COMPARISON_GREATER", "value": 95}, chair)
    assert status == 200, target
    before = satisfaction_row(platform["kpi"], chair, period)
    # other tests' feedback in this commune counts too: what this one adds is 3 of 4
    verdicts = (True, True, False, True)
    for helpful in verdicts:
        trace = ask(assistant, "đăng ký khai tử cần giấy tờ gì")["traceId"]
        status, _ = http_json(assistant, "POST", f"{ASSISTANT}/feedback",
                              {"traceId": trace, "helpful": helpful})
        assert status == 201

    def counted():
        row = satisfaction_row(platform["kpi"], chair, period)
        return row if row["denominator"] == before["denominator"] + 4 else None
    row = wait_for(counted, what="the four feedbacks in the satisfaction line")
    assert row["numerator"] == before["numerator"] + 3
    assert row["source"] == "assistant" and row["target"]["value"] == 95
    assert row["value"] == pytest.approx(100 * row["numerator"] / row["denominator"], abs=0.01)
    # above 95 met; within the indicator's 5-point margin at risk; below, missed
    assert row["status"] == ("KPI_STATUS_MET" if row["value"] > 95 else "KPI_STATUS_AT_RISK"
                             if row["value"] >= 90 else "KPI_STATUS_MISSED")
