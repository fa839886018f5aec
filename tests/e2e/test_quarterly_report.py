"""`commune report quarterly` against the running workers with the demo data: the .docx
holds the KPI API's figures for the same quarter (Bình Lư's 900/902 = 99,78%…), a figure
the platform lacks is a marked blank, the PDF opens with pages, and a token of another
commune gets no report. The quarter is over, so its tasks are as they stood at its end
(tests/integration/test_report_past_quarter.py has tasks, alerts and events of the
quarter and after it)."""
import io
import json
import re
import subprocess

import docx
import pypdf
import pytest

from services.common import errors
from services.common.auth import issue_token
from services.reports import quarterly
from services.reports.outline import BLANK_MARK, TASK_RATES
from tests.helpers import (
    BIN,
    SEED_TIMEOUT_S,
    env_for,
    http_json,
    wait_for,
    workers_running,
)

pytestmark = pytest.mark.e2e
SERVICES = ("tasks", "kpi", "iocevents", "trace")
BASE = "/api/v1/communes/binh-lu"
Q1 = "period=Qu%C3%BD%20I%2F2026"
# Tasks of the report's quarter and the next (the demo plan has none due in Q1/2026).
TASKS = [{"code": "RPT-2026-Q1", "title": "Số hóa sổ hộ tịch", "leadUnit": "tt-pvhcc",
          "owner": "cb-tt-pvhcc-01", "deadline": "2026-03-31", "done": True},
         {"code": "RPT-2026-Q2", "title": "Lắp đặt camera tại 16 vị trí",
          "leadUnit": "cong-an-xa", "owner": "cb-cong-an-xa-01", "deadline": "2026-06-30",
          "done": False}]


@pytest.fixture(scope="module")
def demo(other_namespace):
    """A namespace of its own as `make run` makes it (topology, demo data, then the
    workers), so that the package's namespace keeps its first seed for test_tasks_seed."""
    settings = other_namespace()
    # a generous bound: the seed took nearly 5 minutes on a shared, loaded database
    for step in (["topology"], ["seed"]):
        subprocess.run([str(BIN / "commune"), *step], env=env_for(settings),
                       capture_output=True, timeout=SEED_TIMEOUT_S, check=True)
    with workers_running(settings, SERVICES) as processes:
        yield settings, processes


@pytest.fixture(scope="module")
def officer(demo):
    return issue_token(demo[0], "cb-tt-pvhcc-01", "officer", ["binh-lu"])


@pytest.fixture(scope="module")
def platform_urls(demo, officer) -> dict:
    """The services' URLs, once the quarter's tasks are stored and kpi has counted them."""
    settings, processes = demo
    for task in TASKS:
        fields = {k: v for k, v in task.items() if k != "done"}
        created = _call(processes["tasks"], "POST", "/tasks", officer, fields)
        task_path = f"/tasks/{created['id']}"
        _call(processes["tasks"], "POST", task_path + "/assign", officer, {})
        if task["done"]:
            for status in ("TASK_STATUS_IN_PROGRESS", "TASK_STATUS_DONE"):
                _call(processes["tasks"], "POST", task_path + "/status", officer,
                      {"status": status})

    def caught_up():
        total = _call(processes["tasks"], "GET", f"/task-summary?{Q1}", officer)["total"]
        rows = {r["indicator"]: r for r in kpi_rows(processes, officer)}
        completion = rows["task-completion-rate"]
        return (completion.get("numerator", 0), completion.get("denominator", 0)) == (1, 1) \
            == (total.get("done", 0), total.get("assigned", 0))
    wait_for(caught_up, what="kpi to count the Q1/2026 task as the tasks service does")
    return {name: f"http://127.0.0.1:{processes[name].http_port}" for name in SERVICES}


def _call(process, method: str, path: str, token: str, body=None) -> dict:
    status, answer = http_json(process, method, BASE + path, body, token=token)
    assert status in (200, 201), answer
    return answer


def kpi_rows(processes, token) -> list[dict]:
    return _call(processes["kpi"], "GET", "/kpi/report?period=2026-Q1", token)["rows"]


@pytest.fixture(scope="module")
def written(demo, officer, platform_urls, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    run = subprocess.run(
        [str(BIN / "commune"), "report", "quarterly", "--commune", "binh-lu", "--year",
         "2026", "--quarter", "1", "--out", str(out), "--token", officer],
        env=env_for(demo[0], COMMUNE_API_URLS=json.dumps(platform_urls)),
        capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    return out, run.stdout


@pytest.fixture(scope="module")
def word(written):
    return docx.Document(str(written[0] / "bao-cao-binh-lu-2026-q1.docx"))


def vietnamese_number(text: str) -> float:
    """"99,78%" -> 99.78, "10.766" -> 10766: read back independently of the writer."""
    return float(text.rstrip("%").replace(".", "").replace(",", "."))


def test_the_cli_says_what_it_wrote(written):
    out, stdout = written
    assert "binh-lu: reading the figures of Q1/2026" in stdout
    assert f"wrote {out / 'bao-cao-binh-lu-2026-q1.docx'}" in stdout
    assert re.search(r"^\d+ blanks \[…\] for the officer to fill$", stdout, re.M)


def test_the_docx_figures_are_the_kpi_apis_for_the_quarter(demo, officer, word):
    api = kpi_rows(demo[1], officer)
    table = next(t for t in word.tables if t.rows[0].cells[1].text == "Chỉ tiêu")
    shown = {row.cells[1].text: [c.text for c in row.cells] for row in table.rows[1:]}
    expected = [r for r in api if r.get("hasValue") or r.get("target")]
    assert set(shown) == {r["nameVi"] for r in expected}
    for row in expected:
        cells = shown[row["nameVi"]]
        # counted to date by kpi, so not the quarter's as at its end: left to Bảng 3
        if not row.get("hasValue") or row["indicator"] in TASK_RATES:
            assert cells[2] == BLANK_MARK, row
            continue
        assert vietnamese_number(cells[2]) == pytest.approx(row["value"]), row
        if row.get("hasCounts"):
            assert cells[3] == f"{row['numerator']:.0f}/{row['denominator']:.0f}", row
    by_code = {r["indicator"]: r for r in api}
    online = by_code["online-dossiers"]
    assert (online["numerator"], online["denominator"], online["value"]) == (900, 902, 99.78)
    completion = shown[by_code["task-completion-rate"]["nameVi"]]
    assert by_code["task-completion-rate"]["numerator"] == 1  # done in December
    assert completion[2:4] == [BLANK_MARK, ""] and "Bảng 3" in completion[6]
    text = "\n".join(p.text for p in word.paragraphs)
    assert "Số lượng hồ sơ trực tuyến: 900/902 hồ sơ, tỷ lệ 99,78%" in text
    assert "Số lượng hồ sơ trực tuyến toàn trình: 136/136 hồ sơ, tỷ lệ 100%" in text
    assert "Tổng số TTHC: […] thủ tục" in text  # the platform does not count procedures


def test_the_tasks_entered_after_the_quarter_are_not_in_it(demo, officer, word):
    """Every task of the demo and of this module was entered today, after Q1/2026: as at
    the quarter's end the platform held none, and the report says so."""
    after_q1 = f"{Q1}&asOf=2026-04-01"
    summary = _call(demo[1]["tasks"], "GET", f"/task-summary?{after_q1}", officer)
    assert summary["total"].get("assigned", 0) == 0
    text = "\n".join(p.text for p in word.paragraphs)
    assert "Không có nhiệm vụ nào có thời hạn trong Quý I/2026." in text
    assert "Nền tảng chưa có nhiệm vụ nào có thời hạn trong Quý II/2026." in text
    assert not any(t.rows[0].cells[0].text in ("Đơn vị chủ trì", "Mã") for t in word.tables)


def test_the_pdf_opens_and_has_pages(written):
    out, _ = written
    pdf = pypdf.PdfReader(io.BytesIO((out / "bao-cao-binh-lu-2026-q1.pdf").read_bytes()))
    assert len(pdf.pages) >= 2
    assert "900/902" in "".join(page.extract_text() for page in pdf.pages)


def test_a_token_of_another_commune_gets_no_report(demo, platform_urls):
    other = issue_token(demo[0], "cb-lp-01", "officer", ["lung-phinh"])
    with pytest.raises(errors.PermissionDenied):
        quarterly.build(demo[0].model_copy(update={"api_urls": platform_urls}), other,
                        "binh-lu", 2026, 1, "docx")
