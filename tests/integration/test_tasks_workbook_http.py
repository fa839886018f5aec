"""The tasks worker's workbook doors, a real process on the real broker and database:
an .xlsx uploaded is imported all rows or none with what became of each row, again
changes nothing; bad files are answered plainly (400, never a 5xx) and store nothing;
the export downloads the tasks the list's filters keep; roles and communes as the
table says."""
import datetime as dt
import io
import json
import zipfile

import openpyxl
import pytest

from services.common.auth import issue_token
from services.tasks.app import XLSX
from services.tasks.excel.reading import MAX_FILE_BYTES
from services.tasks.store import TaskStore
from tests.helpers import http_call, http_json, start_worker, workbook_bytes

pytestmark = pytest.mark.integration

TENANT = "xl-http"  # no other test's commune
WORKBOOK = f"/api/v1/communes/{TENANT}/task-workbook"
UNITS = [{"code": "phong-kinh-te", "name": "Phòng Kinh tế"},
         {"code": "phong-vhxh", "name": "Phòng Văn hóa – Xã hội"}]
OFFICERS = [{"code": "cb-kt-01", "name": "Cán bộ Phòng Kinh tế", "unit": "phong-kinh-te"}]
HEADER = ["STT", "Mã", "Nhiệm vụ", "Đơn vị chủ trì", "Người phụ trách", "Thời hạn"]
ROWS = [[1, "XH-01", "Phủ sóng 4G đến mọi thôn", "Phòng Kinh tế", "cb-kt-01",
         dt.date(2026, 9, 30)],
        [2, "XH-02", "Duy trì Tổ công nghệ số cộng đồng", "phong-vhxh", "", "Trong năm 2026"]]




@pytest.fixture(scope="module")
def tasks(settings, mongo):
    store = TaskStore(mongo[f"{settings.namespace}_tasks"])
    store.ensure_indexes()
    store.load_directory(TENANT, UNITS, OFFICERS)
    process = start_worker(settings, "tasks")
    process.store = store
    yield process
    process.stop()


@pytest.fixture(scope="module")
def officer(settings):
    return issue_token(settings, "cb-kt-01", "officer", [TENANT])


def upload(tasks, content: bytes, token: str) -> tuple[int, str, dict]:
    status, headers, body = http_call(tasks, "POST", WORKBOOK, content, token,
                                      {"Content-Type": XLSX})
    return status, headers["Content-Type"], json.loads(body)


def codes(tasks) -> dict[str, dict]:
    return {t["code"]: t for t in tasks.store.db.tasks.find({"tenant": TENANT})}


def test_a_plan_uploaded_is_imported_and_uploaded_again_changes_nothing(tasks, officer):
    status, _, report = upload(tasks, workbook_bytes(HEADER, *ROWS), officer)
    assert status == 200, report
    assert (report["complete"], report["created"], report["assigned"]) == (True, 2, 1)
    assert [(r["row"], r["code"], r["outcome"]) for r in report["rows"]] == [
        (2, "XH-01", "created"), (3, "XH-02", "created")]
    stored = codes(tasks)
    assert stored["XH-01"]["status"] == "assigned" and stored["XH-02"]["status"] == "draft"
    assert stored["XH-01"]["created_by"] == "cb-kt-01"  # the caller, from the token

    status, _, again = upload(tasks, workbook_bytes(HEADER, *ROWS), officer)

    assert status == 200
    assert [r["outcome"] for r in again["rows"]] == ["unchanged", "unchanged"]
    assert {c: t["version"] for c, t in codes(tasks).items()} == {
        c: t["version"] for c, t in stored.items()}


def test_bad_rows_are_each_reported_and_nothing_is_stored(tasks, officer):
    rows = [[1, "XB-01", "Việc đúng", "Phòng Kinh tế", "", "Quý III/2026"],
            [2, "XB-02", "Việc của đơn vị lạ", "Phòng Nội vụ", "", ""],
            [3, "XB-03", "Hạn là công thức", "phong-vhxh", "", "=TODAY()+30"],
            [4, "XB-04", "Hạn là một số", "phong-vhxh", "", 46295]]
    status, _, report = upload(tasks, workbook_bytes(HEADER, *rows), officer)
    assert status == 200, report
    assert (report["complete"], report["created"], report["rejected"]) == (False, 0, 3)
    outcome = {r["code"]: (r["outcome"], r["problems"]) for r in report["rows"]}
    assert outcome["XB-01"] == ("not_stored", [])
    assert outcome["XB-02"] == ("rejected", [{"column": "Đơn vị chủ trì",
                                              "reason": "unknown unit 'Phòng Nội vụ'"}])
    assert outcome["XB-03"][1][0]["column"] == "Thời hạn"
    assert outcome["XB-03"][1][0]["reason"].startswith("a formula (=TODAY()+30): type the value")
    assert outcome["XB-04"][1][0]["reason"].startswith("a number (46295), not a date")
    assert not any(code.startswith("XB-") for code in codes(tasks))


def test_a_sheet_with_wrong_columns_is_reported_on_its_header_row(tasks, officer):
    status, _, report = upload(tasks, workbook_bytes(["Mã", "Kinh phí"], ["XC-01", 100]), officer)
    assert status == 200
    assert report["rows"] == [{"row": 1, "code": "", "outcome": "rejected", "problems": [
        {"column": "Cột", "reason": report["rows"][0]["problems"][0]["reason"]}]}]
    assert "unknown column 'Kinh phí'" in report["rows"][0]["problems"][0]["reason"]


def zip_bomb() -> bytes:
    """A small .xlsx whose sheet unpacks to more than the reader takes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook_bytes(HEADER, *ROWS))) as good, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for name in good.namelist():
            bomb.writestr(name, good.read(name))
        bomb.writestr("xl/padding.bin", b"\0" * (65 * 2**20))
    return out.getvalue()


@pytest.mark.parametrize("content, words", [
    (b"", "the file is empty"),
    (b"Ma,Nhiem vu\nX-1,Viec\n", "not an .xlsx workbook"),
    (workbook_bytes(HEADER, *ROWS)[:2000], "not an .xlsx workbook"),
    (b"x" * (MAX_FILE_BYTES + 1), "at most 4 MB"),
    (zip_bomb(), "unpacks to"),
], ids=["empty", "csv", "cut-short", "too-large", "zip-bomb"])
def test_a_file_that_is_no_workbook_is_a_plain_400(tasks, officer, content, words):
    before = len(codes(tasks))
    status, media_type, problem = upload(tasks, content, officer)
    assert (status, media_type) == (400, "application/problem+json")
    assert words in problem["detail"]
    assert "Error" not in problem["detail"]  # no library's exception named
    assert len(codes(tasks)) == before


def test_the_table_decides_who_may_import(settings, tasks):
    book = workbook_bytes(HEADER, *ROWS)
    operator = issue_token(settings, "vh-01", "operator", [TENANT])
    other = issue_token(settings, "cb-khac", "officer", ["lung-phinh"])
    assert upload(tasks, book, operator)[0] == 403
    assert upload(tasks, book, other)[0] == 403
    assert upload(tasks, book, "")[0] == 401


def test_the_export_downloads_the_tasks_the_filters_keep(settings, tasks, officer):
    upload(tasks, workbook_bytes(HEADER, *ROWS), officer)
    reader = issue_token(settings, "tinh-01", "province", [TENANT])
    query = "?leadUnit=phong-kinh-te&period=Qu%C3%BD%20III%2F2026"
    status, headers, content = http_call(tasks, "GET", WORKBOOK + query, None, reader)
    assert status == 200, content
    assert headers["Content-Type"] == XLSX
    assert headers["Content-Disposition"].startswith(
        f'attachment; filename="nhiem-vu-{TENANT}-')
    sheet = openpyxl.load_workbook(io.BytesIO(content))["Nhiệm vụ"]
    exported = [row[:2] for row in sheet.iter_rows(min_row=2, values_only=True)]
    _, listed = http_json(tasks, "GET", f"/api/v1/communes/{TENANT}/tasks{query}", None,
                          reader)
    assert exported == [(t["code"], t["title"]) for t in listed["tasks"]] == [
        ("XH-01", "Phủ sóng 4G đến mọi thôn")]
    status, _, problem = http_call(tasks, "GET", WORKBOOK + "?period=early", None, reader)
    assert status == 400 and "cannot read a period from 'early'" in json.loads(problem)["detail"]
