"""`commune report quarterly` against the running workers with the demo data: the .docx
holds the KPI API's figures for the same quarter (Bình Lư's 900/902 = 99,78%…), a figure
the platform lacks is a marked blank, the PDF opens with pages, and a token of another
commune gets no report."""
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
from services.reports.outline import BLANK_MARK
from tests.helpers import BIN, env_for, http_json, wait_for

pytestmark = pytest.mark.e2e
SERVICES = ("tasks", "kpi", "iocevents", "trace")


@pytest.fixture(scope="module")
def api_urls(platform) -> dict:
    return {name: f"http://127.0.0.1:{platform[name].http_port}" for name in SERVICES}


@pytest.fixture(scope="module")
def seeded(settings, platform):
    """The demo data (idempotent: test_tasks_seed may have loaded it), and kpi caught up
    with the tasks of Q1/2026, so that the report and the KPI API read the same figures."""
    subprocess.run([str(BIN / "commune"), "seed"], env=env_for(settings),
                   capture_output=True, timeout=300, check=True)
    token = issue_token(settings, "lai-chau", "province", ["binh-lu"])

    def caught_up():
        summary = _get(platform["tasks"], "/task-summary?period=Qu%C3%BD%20I%2F2026", token)
        rows = {r["indicator"]: r for r in _get(platform["kpi"], REPORT, token)["rows"]}
        completion = rows["task-completion-rate"]
        total = summary["total"]
        return ((completion.get("numerator", 0), completion.get("denominator", 0))
                == (total.get("done", 0), total.get("assigned", 0)))
    wait_for(caught_up, what="kpi's task figures of Q1/2026 to be the tasks service's")


REPORT = "/kpi/report?period=2026-Q1"


def _get(process, path: str, token: str) -> dict:
    status, body = http_json(process, "GET", "/api/v1/communes/binh-lu" + path, token=token)
    assert status == 200, body
    return body


@pytest.fixture(scope="module")
def written(settings, seeded, api_urls, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    officer = issue_token(settings, "cb-vp-01", "officer", ["binh-lu"])
    run = subprocess.run(
        [str(BIN / "commune"), "report", "quarterly", "--commune", "binh-lu", "--year",
         "2026", "--quarter", "1", "--out", str(out), "--token", officer],
        env=env_for(settings, COMMUNE_API_URLS=json.dumps(api_urls)),
        capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    return out, run.stdout


def vietnamese_number(text: str) -> float:
    """"99,78%" -> 99.78, "10.766" -> 10766: read back independently of the writer."""
    return float(text.rstrip("%").replace(".", "").replace(",", "."))


def test_the_cli_says_what_it_wrote(written):
    out, stdout = written
    assert "binh-lu: reading the figures of Q1/2026" in stdout
    assert f"wrote {out / 'bao-cao-binh-lu-2026-q1.docx'}" in stdout
    assert re.search(r"^\d+ blanks \[…\] for the officer to fill$", stdout, re.M)


def test_the_docx_figures_are_the_kpi_apis_for_the_quarter(settings, platform, written):
    out, _ = written
    document = docx.Document(str(out / "bao-cao-binh-lu-2026-q1.docx"))
    token = issue_token(settings, "cb-vp-01", "officer", ["binh-lu"])
    api = _get(platform["kpi"], REPORT, token)["rows"]
    table = next(t for t in document.tables if t.rows[0].cells[1].text == "Chỉ tiêu")
    shown = {row.cells[1].text: [c.text for c in row.cells] for row in table.rows[1:]}
    expected = [r for r in api if r.get("hasValue") or r.get("target")]
    assert set(shown) == {r["nameVi"] for r in expected}
    for row in expected:
        cells = shown[row["nameVi"]]
        if not row.get("hasValue"):
            assert cells[2] == BLANK_MARK, row
            continue
        assert vietnamese_number(cells[2]) == pytest.approx(row["value"]), row
        if row.get("hasCounts"):
            assert cells[3] == f"{row['numerator']:.0f}/{row['denominator']:.0f}", row
    online = next(r for r in api if r["indicator"] == "online-dossiers")
    assert (online["numerator"], online["denominator"], online["value"]) == (900, 902, 99.78)
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Số lượng hồ sơ trực tuyến: 900/902 hồ sơ, tỷ lệ 99,78%" in text
    assert "Số lượng hồ sơ trực tuyến toàn trình: 136/136 hồ sơ, tỷ lệ 100%" in text
    assert "Tổng số TTHC: […] thủ tục" in text  # the platform does not count procedures


def test_the_task_table_is_the_task_summary_of_the_quarter(settings, platform, written):
    out, _ = written
    document = docx.Document(str(out / "bao-cao-binh-lu-2026-q1.docx"))
    token = issue_token(settings, "cb-vp-01", "officer", ["binh-lu"])
    total = _get(platform["tasks"], "/task-summary?period=Qu%C3%BD%20I%2F2026", token)["total"]
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "Đơn vị chủ trì")
    last = [c.text for c in table.rows[-1].cells]
    assert last[:5] == ["Tổng", *(str(total.get(k, 0)) for k in
                                  ("assigned", "done", "doneOnTime", "overdue"))]


def test_the_pdf_opens_and_has_pages(written):
    out, _ = written
    pdf = pypdf.PdfReader(io.BytesIO((out / "bao-cao-binh-lu-2026-q1.pdf").read_bytes()))
    assert len(pdf.pages) >= 2
    assert "900/902" in "".join(page.extract_text() for page in pdf.pages)


def test_a_token_of_another_commune_gets_no_report(settings, seeded, api_urls):
    other = issue_token(settings, "cb-lp-01", "officer", ["lung-phinh"])
    with pytest.raises(errors.PermissionDenied):
        quarterly.build(settings.model_copy(update={"api_urls": api_urls}), other,
                        "binh-lu", 2026, 1, "docx")
