"""The quarterly report of a past quarter (Q1/2026, made now) on the real workers, broker and
database: alerts, tasks and trace events from inside the quarter and after it, and the
.docx holding the quarter's figures as they stood at its end, each equal to what the
services' APIs answer for that period and that day, and none counted after it."""
import datetime as dt
import io
from urllib.parse import quote, urlencode

import docx
import pytest

from services.common.auth import issue_token
from services.directory import tree
from services.directory.store import DirectoryStore
from services.iocevents.alerts import Alert
from services.iocevents.store import IocStore
from services.reports import quarterly
from services.tasks import domain
from services.tasks.store import TaskStore
from services.topology import declare
from services.trace import demo as trace_demo
from services.trace.config import seal_of
from services.trace.ledger import Ledger
from services.trace.store import TraceStore
from tests import task_history as history
from tests.helpers import http_json, workers_running

pytestmark = pytest.mark.integration

VIETNAM = dt.timezone(dt.timedelta(hours=7))
SERVICES = ("tasks", "kpi", "iocevents", "trace")
BASE = "/api/v1/communes/binh-lu"
Q1, Q2 = "Quý I/2026", "Quý II/2026"
AFTER_Q1 = "2026-04-01"  # the day the quarter's figures stand at the start of
UNITS = [{"code": "van-phong", "name": "Văn phòng HĐND - UBND"},
         {"code": "cong-an-xa", "name": "Công an xã"}]
OFFICERS = [{"code": "cb-vp-01", "name": "Cán bộ Văn phòng", "unit": "van-phong"},
            {"code": "cb-ca-01", "name": "Cán bộ Công an xã", "unit": "cong-an-xa"}]
FIGURE = {"indicator": "online-dossiers", "period": "2026-Q1"}


def at(month: int, day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=VIETNAM)


def tasks(directory: domain.Directory) -> list[dict]:
    """Two tasks due in Q1 (one done on time, one done in May) and one due in Q2 (done in
    June): today none is open, at the end of Q1 two were."""
    def task(code, title, unit, owner, deadline, *steps):
        return history.lived(
            {"tenant": "binh-lu", "code": code, "title": title, "lead_unit": unit,
             "owner": owner, "deadline": deadline, "deliverable": "Báo cáo kết quả"},
            at(1, 5, 8), directory, (at(1, 5), history.assign("cb-vp-01", directory)), *steps)
    return [
        task("PQ-01", "Số hóa sổ hộ tịch", "van-phong", "cb-vp-01", "2026-03-31",
             (at(3, 20), history.status("cb-vp-01", "done"))),
        task("PQ-02", "Lắp camera chợ trung tâm", "cong-an-xa", "cb-ca-01", "2026-03-31",
             (at(2, 10), history.progress("cb-ca-01", 40)),
             (at(5, 10), history.status("cb-ca-01", "done"))),
        task("PQ-03", "Tập huấn kỹ năng số", "van-phong", "cb-vp-01", "2026-06-30",
             (at(3, 15), history.progress("cb-vp-01", 60)),
             (at(6, 1), history.status("cb-vp-01", "done")))]


def alerts() -> list[dict]:
    """Three alerts opened in Q1 (one handled in Q1, one acknowledged only in April, one a
    false positive), two opened after it."""
    def alert(name, severity, opened, acknowledged=None, resolved=None, false_positive=False):
        made = Alert(id=f"binh-lu:pq-{name}", tenant="binh-lu", rule_id="pq", subject=name,
                     severity=severity, title=f"Cảnh báo {name}", status="open",
                     first_seen=opened, last_seen=opened, opened_at=opened, count=1,
                     devices=["cam-cho-binh-lu-1"], kinds=["vehicle"])
        if acknowledged:
            made.status, made.acknowledged_by, made.acknowledged_at = (
                "acknowledged", "op-lan", acknowledged)
        if resolved:
            made.status, made.resolved_by, made.resolved_at = "resolved", "op-lan", resolved
            made.false_positive = false_positive
        return made.document()
    minutes = dt.timedelta(minutes=1)
    return [alert("a", "high", at(2, 1), at(2, 1) + 4 * minutes, at(2, 1) + 20 * minutes),
            alert("b", "low", at(3, 31, 22), acknowledged=at(4, 1, 8)),
            alert("c", "medium", at(3, 5), resolved=at(3, 5) + 10 * minutes,
                  false_positive=True),
            alert("d", "high", at(4, 2)),
            alert("e", "critical", at(8, 15), acknowledged=at(8, 15) + minutes)]


@pytest.fixture(scope="module")
def platform(other_namespace, mongo):
    """A namespace of its own holding the quarter's data and what came after, and the four
    workers the report reads."""
    settings = other_namespace()
    declare(settings)
    DirectoryStore(mongo[f"{settings.namespace}_directory"]).load(tree.units())
    task_store = TaskStore(mongo[f"{settings.namespace}_tasks"])
    task_store.ensure_indexes()
    task_store.load_directory("binh-lu", UNITS, OFFICERS)
    for task in tasks(task_store.directory("binh-lu")):
        task_store.create(task, *domain.arrival_events(task))
    ioc = IocStore(mongo[f"{settings.namespace}_iocevents"])
    ioc.ensure_indexes()
    ioc.write_alerts(alerts())
    trace = TraceStore(mongo[f"{settings.namespace}_trace"])
    trace.ensure_indexes()
    ledger = Ledger(trace, None, seal_of(settings))
    trace_demo.load(ledger)  # the vermicelli batch MD-2026-01 made and shipped in January
    ledger.record("binh-lu", {"event_id": "urn:uuid:6f1c2b8e-0d0a-4c55-9a38-5e0f4c1d2a77",
                              "step": "shipping", "where": "producer:htx-mien-dong-binh-lu",
                              "when": "2026-05-02T07:00:00+07:00",
                              "batch": {"gtin": "8939999000031", "lot": "MD-2026-01",
                                        "quantity": 300, "uom": "H87"}}, "test")
    with workers_running(settings, SERVICES) as processes:
        yield settings, processes


@pytest.fixture(scope="module")
def officer(platform):
    return issue_token(platform[0], "cb-vp-01", "officer", ["binh-lu"])


def api(platform, service: str, path: str, token: str, body=None, **query) -> dict:
    method = "GET" if body is None else "POST"
    status, answer = http_json(platform[1][service], method,
                               BASE + path + (f"?{urlencode(query)}" if query else ""),
                               body, token=token)
    assert status in (200, 201), answer
    return answer


@pytest.fixture(scope="module")
def word(platform, officer):
    settings, processes = platform
    chair = issue_token(settings, "chu-tich-binh-lu", "admin", ["binh-lu"])
    api(platform, "kpi", "/kpi/measurements", officer,
        {**FIGURE, "numerator": 900, "denominator": 902, "sourceDocument": "BC Quý I/2026"})
    api(platform, "kpi", "/kpi/measurements/submit", officer, FIGURE)
    api(platform, "kpi", "/kpi/measurements/approve", chair, FIGURE)
    urls = {name: f"http://127.0.0.1:{p.http_port}" for name, p in processes.items()}
    made = quarterly.build(settings.model_copy(update={"api_urls": urls}), officer,
                           "binh-lu", 2026, 1, "docx")
    return docx.Document(io.BytesIO(made))


def text(word) -> str:
    return "\n".join(p.text for p in word.paragraphs)


def table(word, first_header: str):
    return next(t for t in word.tables if t.rows[0].cells[0].text == first_header)


def test_the_ioc_figures_are_the_quarters_alerts_as_they_stood_at_its_end(platform, officer,
                                                                          word):
    stats = api(platform, "iocevents", "/ioc/stats", officer, period=Q1)
    assert (stats["raised"], stats["acknowledged"], stats["falsePositiveAlerts"],
            stats["open"]) == (3, 1, 1, 1)
    assert stats["byStatus"] == {"ALERT_STATUS_RESOLVED": 2, "ALERT_STATUS_OPEN": 1}
    assert (stats["mttaSeconds"], stats["mttrSeconds"]) == (240.0, 900.0)
    assert dt.datetime.fromisoformat(stats["asOf"]) == at(4, 1, 0)
    # today: five alerts, b acknowledged; what the report said before this change
    assert api(platform, "iocevents", "/ioc/stats", officer)["raised"] == 5
    opened_in_q1 = api(platform, "iocevents", "/ioc/alerts", officer, period=Q1)["alerts"]
    assert sorted(a["id"] for a in opened_in_q1) == ["binh-lu:pq-a", "binh-lu:pq-b",
                                                     "binh-lu:pq-c"]
    assert (f"Trong {Q1}, hệ thống ghi nhận {stats['raised']} cảnh báo (mức cao 1, trung bình "
            f"1, thấp 1); đến hết ngày 31/03/2026, {stats['acknowledged']} cảnh báo đã được "
            f"tiếp nhận, {stats['byStatus']['ALERT_STATUS_RESOLVED']} đã xử lý xong (trong đó "
            f"{stats['falsePositiveAlerts']} được xác định là báo động giả), {stats['open']} "
            "chưa được tiếp nhận. Thời gian trung bình từ khi có cảnh báo đến khi tiếp nhận 4 "
            "phút, đến khi xử lý xong 15 phút.") in text(word)


def test_the_task_tables_are_the_tasks_as_they_stood_at_the_quarters_end(platform, officer,
                                                                        word):
    summary = api(platform, "tasks", "/task-summary", officer, period=Q1, asOf=AFTER_Q1)
    total = summary["total"]
    assert (total["assigned"], total["done"], total["doneOnTime"], total["overdue"]) == (
        2, 1, 1, 1)
    assert api(platform, "tasks", "/task-summary", officer, period=Q1)["total"]["done"] == 2
    shown = table(word, "Đơn vị chủ trì")
    assert [c.text for c in shown.rows[-1].cells] == [
        "Tổng", str(total["assigned"]), str(total["done"]), str(total["doneOnTime"]),
        str(total["overdue"]), "50%", "100%"]
    flagged = api(platform, "tasks", "/task-review", officer, asOf=AFTER_Q1)["flagged"]
    assert [(f["task"]["code"], f["flags"]) for f in flagged] == [("PQ-02", ["slow",
                                                                             "overdue"])]
    review = table(word, "Mã")  # Bảng 4 comes before Bảng 5
    assert [c.text for c in review.rows[1].cells] == [
        "PQ-02", "Lắp camera chợ trung tâm", "Công an xã", "31/03/2026", "40%",
        "chậm tiến độ, quá hạn"]
    due_next = api(platform, "tasks", "/tasks", officer, period=Q2, asOf=AFTER_Q1)["tasks"]
    assert [t["code"] for t in due_next] == ["PQ-03"]
    following = [t for t in word.tables if t.rows[0].cells[0].text == "Mã"][1]
    assert [c.text for c in following.rows[1].cells] == [
        "PQ-03", "Tập huấn kỹ năng số", "Văn phòng HĐND - UBND", "30/06/2026", "60%"]


def test_the_batches_are_the_quarters_with_their_events_up_to_its_end(platform, officer,
                                                                     word):
    listed = {b["lot"]: b for b in api(platform, "trace", "/trace/batches", officer)["batches"]}
    chain = api(platform, "trace", f"/trace/batches/8939999000031/{quote('MD-2026-01')}",
                officer)["timeline"]
    by_quarter_end = [e for e in chain if dt.datetime.fromisoformat(e["time"]) < at(4, 1, 0)]
    assert len(by_quarter_end) == listed["MD-2026-01"]["eventCount"] - 1  # May's shipping
    rows = {r.cells[1].text: [c.text for c in r.cells] for r in table(word, "Sản phẩm").rows[1:]}
    assert rows["MD-2026-01"][4] == str(len(by_quarter_end))
    assert "MO-2026-04" not in rows and "SC-2025-10" not in rows  # made in Q2, in 2025


def test_the_kpi_figures_are_the_kpi_apis_for_the_quarter(platform, officer, word):
    report = api(platform, "kpi", "/kpi/report", officer, period="2026-Q1")
    online = {r["indicator"]: r for r in report["rows"]}["online-dossiers"]
    assert (online["numerator"], online["denominator"], online["value"]) == (900, 902, 99.78)
    indicators = next(t for t in word.tables if t.rows[0].cells[1].text == "Chỉ tiêu")
    row = next(r for r in indicators.rows if r.cells[1].text == online["nameVi"])
    assert [c.text for c in row.cells[2:4]] == ["99,78%", "900/902"]
    assert "Số lượng hồ sơ trực tuyến: 900/902 hồ sơ, tỷ lệ 99,78%" in text(word)
