"""The round trip officers make with a plan, on the real database: export the demo plan,
edit it in the workbook, import it again. Informative columns are ignored (and said to
be), edited rows change their tasks with the events that announce it, the rest stays as
it was; a row that may not change its task is reported per row and nothing is stored."""
import datetime as dt
import subprocess

import openpyxl
import pytest

from services.tasks import demo, excel
from services.tasks.excel.columns import INFORMATIVE
from services.tasks.listing import Criteria
from services.tasks.store import TaskStore
from tests.helpers import BIN, env_for

pytestmark = pytest.mark.integration

TENANT = "binh-lu"
NOW = dt.datetime(2026, 7, 1, 8, 0, tzinfo=dt.UTC)
ALL_TASKS = 44 + 92  # the demo's 2026 plan (KH2026-01..44) and the 92 tasks of 2025


@pytest.fixture()
def store(mongo, settings, request):
    """A tasks database of its own holding the demo data, dropped afterwards."""
    name = f"{settings.namespace}_xlrt_{request.node.name[-40:]}"
    store = TaskStore(mongo[name])
    store.ensure_indexes()
    demo.load(store, NOW)
    yield store
    mongo.drop_database(name)


def exported(store: TaskStore, path) -> openpyxl.Workbook:
    excel.save(excel.export_tasks(store, Criteria(TENANT), today=NOW.date()).content, path)
    return openpyxl.load_workbook(path)


def cell(sheet, code: str, header: str):
    """The cell of a task's row under a header, as export wrote the sheet."""
    headers = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == code)
    return row[headers.index(header)]


def task(store: TaskStore, code: str) -> dict:
    return store.db.tasks.find_one({"tenant": TENANT, "code": code})


def test_an_exported_plan_edited_in_excel_imports_again(store, tmp_path):
    path = tmp_path / "ke-hoach.xlsx"
    book = exported(store, path)
    sheet = book["Nhiệm vụ"]
    before = {code: task(store, code) for code in ("KH2026-01", "KH2026-21", "KH2026-02")}
    assert before["KH2026-01"]["status"] == "assigned"
    assert before["KH2026-21"]["status"] == "draft" and not before["KH2026-21"]["lead_unit"]
    cell(sheet, "KH2026-01", "Nhiệm vụ").value = "Mỗi cơ quan, đơn vị có ít nhất 01 sáng kiến"
    # a draft of the plan gets its lead unit, owner and deadline: it is assigned
    cell(sheet, "KH2026-21", "Đơn vị chủ trì").value = "Phòng Văn hóa – Xã hội"
    cell(sheet, "KH2026-21", "Người phụ trách").value = "Cán bộ Phòng Văn hóa – Xã hội"
    cell(sheet, "KH2026-21", "Thời hạn").value = "30/11/2026"
    # informative columns are not read: the status stays what it is
    cell(sheet, "KH2026-02", "Trạng thái").value = "Hoàn thành"
    cell(sheet, "KH2026-02", "Tiến độ %").value = 100
    sheet.append(["KH2026-45", "Tập huấn kỹ năng số cho cán bộ thôn", "", "ky-nang-so",
                  "phong-vhxh", "", "", "", "Quý IV/2026", "Cao", "Chưa giao", 0])
    book.save(path)

    result = excel.import_tasks(store, TENANT, path, "cb-ubnd-01", now=NOW)

    assert result.errors == []
    assert (result.imported, result.updated, result.unchanged) == (1, 2, ALL_TASKS - 2)
    assert result.ignored_columns == list(INFORMATIVE)
    first = task(store, "KH2026-01")
    assert first["title"] == "Mỗi cơ quan, đơn vị có ít nhất 01 sáng kiến"
    assert first["status"] == "assigned" and first["history"][-1]["what"] == "revised"
    assert [(e["type"], e["data"]["fields"]) for e in first["outbox"].values()
            if e["type"] == "task.updated"] == [("task.updated", ["title"])]
    draft = task(store, "KH2026-21")
    assert (draft["status"], draft["lead_unit"], draft["owner"], draft["deadline"]) == (
        "assigned", "phong-vhxh", "cb-phong-vhxh-01", "2026-11-30")
    assert [h["what"] for h in draft["history"]][-2:] == ["revised", "assigned"]
    assert {e["type"] for e in draft["outbox"].values()} >= {"task.updated", "task.assigned"}
    assert task(store, "KH2026-02")["status"] == before["KH2026-02"]["status"]
    assert task(store, "KH2026-02")["version"] == before["KH2026-02"]["version"]
    assert task(store, "KH2026-45")["priority"] == "high"

    again = excel.import_tasks(store, TENANT, path, "cb-ubnd-01", now=NOW)
    assert (again.errors, again.imported, again.updated, again.unchanged) == (
        [], 0, 0, ALL_TASKS + 1)


def test_rows_that_may_not_change_their_task_are_reported_and_nothing_is_stored(store,
                                                                                tmp_path):
    path = tmp_path / "ke-hoach.xlsx"
    book = exported(store, path)
    sheet = book["Nhiệm vụ"]
    cell(sheet, "KH2026-03", "Nhiệm vụ").value = "Một thay đổi hợp lệ"
    cell(sheet, "KH2026-01", "Người phụ trách").value = "cb-ubnd-01"  # assigned already
    cell(sheet, "NV2025-01", "Nhiệm vụ").value = "Đổi tên việc đã xong"
    cell(sheet, "KH2026-22", "Thời hạn").value = "sớm nhất có thể"
    cell(sheet, "KH2026-23", "Đơn vị chủ trì").value = "Phòng Nội vụ"
    book.save(path)
    untouched = task(store, "KH2026-03")["title"]

    result = excel.import_tasks(store, TENANT, path, now=NOW)

    assert (result.imported, result.updated) == (0, 0)
    problems = {e.code: e.fields for e in result.errors}
    assert sorted(problems) == ["KH2026-01", "KH2026-22", "KH2026-23", "NV2025-01"]
    assert problems["KH2026-01"]["(row)"].startswith(
        "task 'KH2026-01' is assigned: its lead unit, owner and deadline change only through "
        "the quarterly review")
    assert problems["KH2026-22"]["deadline"].startswith("cannot read a date or period from")
    assert problems["KH2026-23"] == {"lead_unit": "unknown unit 'Phòng Nội vụ'"}
    assert problems["NV2025-01"]["(row)"].startswith(
        "task 'NV2025-01' is done; a closed task does not")
    assert task(store, "KH2026-03")["title"] == untouched


def test_commune_tasks_export_then_import_says_what_it_ignored_and_changed(mongo, settings,
                                                                          tmp_path):
    namespace = f"{settings.namespace}_xlcli"  # the command line's tasks database is
    cli_store = TaskStore(mongo[f"{namespace}_tasks"])  # "<namespace>_tasks"
    cli_store.ensure_indexes()
    demo.load(cli_store, NOW)

    def commune(*args):
        return subprocess.run([str(BIN / "commune"), "tasks", *args], capture_output=True,
                              text=True, timeout=60,
                              env=env_for(settings, COMMUNE_NAMESPACE=namespace))
    path = tmp_path / "ke-hoach.xlsx"
    done = commune("export", str(path), "--tenant", TENANT, "--period", "Năm 2026")
    assert done.returncode == 0, done.stderr
    due_in_2026 = int(done.stdout.split(": ")[1].split()[0])  # "<path>: 17 tasks, …"
    book = openpyxl.load_workbook(path)
    cell(book["Nhiệm vụ"], "KH2026-05", "Sản phẩm").value = "Báo cáo kết quả"
    book.save(path)

    done = commune("import", str(path), "--tenant", TENANT)

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "ignored columns (informative only, as export writes them): 'Trạng thái', "
        "'Tiến độ %', 'Quá hạn', 'Cập nhật lần cuối'",
        f"imported 0 tasks, updated 1, {due_in_2026 - 1} unchanged (0 assigned by this "
        "import)"]
    assert task(cli_store, "KH2026-05")["deliverable"] == "Báo cáo kết quả"
    mongo.drop_database(f"{namespace}_tasks")
