"""Excel import/export of tasks on the real database: all rows or none, the report of a
bad file, the export matching domain.summaries, and `commune tasks` end to end."""
import datetime as dt
import io
import subprocess
from pathlib import Path

import openpyxl
import pytest
import yaml

from services.common import periods
from services.tasks import domain, excel
from services.tasks.excel import exporting
from services.tasks.listing import Criteria
from services.tasks.store import TaskStore
from tests.helpers import BIN, env_for

pytestmark = pytest.mark.integration

TENANT = "binh-lu"
HEADER = ["STT", "Mã", "Nhiệm vụ", "Kế hoạch", "Nhóm", "Đơn vị chủ trì", "Đơn vị phối hợp",
          "Người phụ trách", "Sản phẩm", "Thời hạn", "Ưu tiên"]
PLAN = "Kế hoạch thực hiện Nghị quyết số 57-NQ/TW năm 2026"
UNITS_YAML = Path(__file__).resolve().parents[2] / "services" / "tasks" / "demo" / "units.yaml"


def good_rows(prefix: str) -> list[list]:
    return [
        [1, f"{prefix}-01", "Đưa trợ lý ảo vào hoạt động tại Trung tâm PVHCC", PLAN, "tthc-dvc",
         "Trung tâm Phục vụ hành chính công", "Phòng Văn hóa – Xã hội; Công an xã",
         "cb-tt-pvhcc-01", "Trợ lý ảo trả lời thủ tục hành chính", dt.date(2026, 9, 30), "Cao"],
        [2, f"{prefix}-02", "Phủ sóng 4G/5G đến 100% thôn, bản", PLAN, "ha-tang-so",
         "phong-kinh-te", "Các doanh nghiệp viễn thông, Các cơ quan, đơn vị",
         "cb-phong-kinh-te-01", "", "Quý III/2026", "bình thường"],
        [3, f"{prefix}-03", "Duy trì Tổ công nghệ số cộng đồng", PLAN, "ky-nang-so",
         "phong-vhxh", "", "", "", "Trong năm 2026", ""],
    ]


def write(path: Path, *rows, title: str = "DANH MỤC NHIỆM VỤ NĂM 2026") -> Path:
    book = openpyxl.Workbook()
    book.active.title = "Kế hoạch"
    book.active.append([title])
    book.active.append([])
    for row in rows:
        book.active.append(row)
    book.create_sheet("Ghi chú").append(["not read: only the first sheet is"])
    book.save(path)
    return path


def load_directory(store: TaskStore) -> None:
    people = yaml.safe_load(UNITS_YAML.read_text("utf-8"))
    store.load_directory(TENANT, people["units"], people["officers"])


@pytest.fixture(scope="module")
def store(mongo, settings):
    store = TaskStore(mongo[f"{settings.namespace}_tasks_excel"])
    store.ensure_indexes()
    load_directory(store)
    return store


def stored(store: TaskStore, prefix: str) -> dict[str, dict]:
    return {r["code"]: r for r in store.select(Criteria(TENANT))
            if r["code"].startswith(f"{prefix}-")}


def test_a_valid_file_imports_every_row_readable_from_the_store(store, tmp_path):
    path = write(tmp_path / "plan.xlsx", HEADER, *good_rows("XL-A"))
    result = excel.import_tasks(store, TENANT, path, "cb-ubnd-01")
    assert (result.imported, result.assigned, result.errors) == (3, 2, [])

    tasks = stored(store, "XL-A")
    assert sorted(tasks) == ["XL-A-01", "XL-A-02", "XL-A-03"]
    first = store.get(TENANT, tasks["XL-A-01"]["_id"])
    assert (first["lead_unit"], first["coordinating_units"], first["owner"]) == (
        "tt-pvhcc", ["phong-vhxh", "cong-an-xa"], "cb-tt-pvhcc-01")
    assert (first["deadline"], first["priority"], first["status"]) == (
        "2026-09-30", "high", "assigned")
    assert [h["what"] for h in first["history"]] == ["created", "assigned"]
    assert first["created_by"] == "cb-ubnd-01" and first["plan"] == PLAN
    second = store.get(TENANT, tasks["XL-A-02"]["_id"])
    assert second["coordinating_units"] == ["dn-vien-thong", "cac-co-quan-don-vi"]
    assert (second["period_text"], second["deadline"]) == ("Quý III/2026", "2026-09-30")
    third = tasks["XL-A-03"]
    assert (third["status"], third["deadline"], third["owner"]) == ("draft", "2026-12-31", "")
    # the events that announce each new task wait in its outbox for the worker's relay
    raw = store.db.tasks.find_one({"_id": first["_id"]})
    assert sorted(e["type"] for e in raw["outbox"].values()) == ["task.created"]


def test_a_file_with_bad_rows_stores_nothing_and_names_each_row_and_field(store, tmp_path):
    good = good_rows("XL-B")
    bad_unit = [4, "XL-B-04", "Số hóa hồ sơ lưu trữ", PLAN, "du-lieu-nen-tang", "phong-noi-vu",
                "", "", "", "31/12/2026", ""]
    bad_period = [5, "XL-B-05", "Rà soát thủ tục hành chính", PLAN, "tthc-dvc", "phong-vhxh",
                  "", "", "", "sớm nhất có thể", ""]
    repeated = [6, "XL-B-01", "Lặp lại mã của dòng 4", PLAN, "", "", "", "", "", "", ""]
    path = write(tmp_path / "bad.xlsx", HEADER, *good, bad_unit, bad_period, repeated)

    result = excel.import_tasks(store, TENANT, path)

    assert result.imported == 0
    assert stored(store, "XL-B") == {}
    assert [(e.row, e.code, list(e.fields)) for e in result.errors] == [
        (7, "XL-B-04", ["lead_unit"]), (8, "XL-B-05", ["deadline"]), (9, "XL-B-01", ["code"])]
    assert result.errors[0].fields == {"lead_unit": "unknown unit 'phong-noi-vu'"}
    assert result.errors[1].fields["deadline"].startswith(
        "cannot read a date or period from 'sớm nhất có thể'")
    assert result.errors[2].fields == {"code": "'XL-B-01' is also on row 4"}
    # every row is in the report: the right ones were not stored because of the others
    assert [(r.row, r.outcome) for r in result.rows] == [
        (4, "not_stored"), (5, "not_stored"), (6, "not_stored"), (7, "rejected"),
        (8, "rejected"), (9, "rejected")]


def test_a_row_of_a_stored_task_as_it_is_changes_nothing_and_new_rows_are_added(store,
                                                                                 tmp_path):
    assert excel.import_tasks(store, TENANT, write(tmp_path / "one.xlsx", HEADER,
                                                   good_rows("XL-C")[0])).imported == 1
    first = stored(store, "XL-C")["XL-C-01"]
    again = write(tmp_path / "again.xlsx", HEADER, *good_rows("XL-C"))
    result = excel.import_tasks(store, TENANT, again)
    assert (result.errors, result.imported, result.updated, result.unchanged) == ([], 2, 0, 1)
    assert sorted(stored(store, "XL-C")) == ["XL-C-01", "XL-C-02", "XL-C-03"]
    assert stored(store, "XL-C")["XL-C-01"]["version"] == first["version"]


def test_unknown_columns_store_nothing(store, tmp_path):
    path = write(tmp_path / "cols.xlsx", HEADER + ["Kinh phí"], good_rows("XL-D")[0] + [100])
    result = excel.import_tasks(store, TENANT, path)
    assert result.imported == 0
    assert result.errors[0].row == 3 and "'Kinh phí'" in result.errors[0].fields["columns"]
    assert stored(store, "XL-D") == {}


def test_an_export_after_import_has_every_task_and_the_summary_of_the_domain(store, tmp_path):
    excel.import_tasks(store, TENANT, write(tmp_path / "plan.xlsx", HEADER, *good_rows("XL-E")))
    today = dt.date(2026, 10, 15)  # XL-E-01 and XL-E-02 are overdue by then
    everything = store.select(Criteria(TENANT))
    expected = domain.summaries(everything, today)

    result = excel.export_tasks(store, Criteria(TENANT), today=today)

    book = openpyxl.load_workbook(io.BytesIO(result.content))
    assert book.sheetnames == ["Nhiệm vụ", "Tổng hợp"]
    tasks = book["Nhiệm vụ"]
    assert result.tasks == len(everything) == tasks.max_row - 1
    assert [c.value for c in tasks[1]] == exporting.TASK_HEADERS
    assert tasks.freeze_panes == "A2" and tasks["A1"].font.bold
    by_code = {row[0]: row for row in tasks.iter_rows(min_row=2, values_only=True)}
    assert by_code["XL-E-01"][4] == "Trung tâm Phục vụ hành chính công"
    assert by_code["XL-E-01"][8] == dt.datetime(2026, 9, 30)
    assert by_code["XL-E-01"][10:13] == ("Đã giao", 0, "Có")
    assert by_code["XL-E-03"][8:13] == ("Trong năm 2026", "Bình thường", "Chưa giao", 0, "Không")

    summary = {(row[0], row[1]): row[3:] for row in
               book["Tổng hợp"].iter_rows(min_row=2, values_only=True)
               if row[0] in ("Toàn xã", "Đơn vị", "Nhóm")}
    assert summary[("Toàn xã", None)] == tuple(expected["total"][k] for k in exporting.SUMMARY_KEYS)
    assert expected["total"]["overdue"] >= 2
    for unit in expected["by_unit"]:
        assert summary[("Đơn vị", unit["key"] or None)] == tuple(
            unit[k] for k in exporting.SUMMARY_KEYS)
    assert len(summary) == 1 + len(expected["by_unit"]) + len(expected["by_group"])


def test_an_export_for_a_period_keeps_the_tasks_due_in_it(store, tmp_path):
    excel.import_tasks(store, TENANT, write(tmp_path / "plan.xlsx", HEADER, *good_rows("XL-F")))
    due_q3 = store.select(Criteria(TENANT, period=periods.parse("Quý III/2026")))
    result = excel.export_tasks(store, Criteria(TENANT, period=periods.parse("Quý III/2026")),
                                today=dt.date(2026, 10, 1))
    rows = list(openpyxl.load_workbook(io.BytesIO(result.content))["Nhiệm vụ"].iter_rows(
        min_row=2, values_only=True))
    assert len(rows) == result.tasks == len(due_q3)
    assert {"XL-F-01", "XL-F-02"} <= {r[0] for r in rows}
    assert "XL-F-03" not in {r[0] for r in rows}


# --- the command line ------------------------------------------------------------------

@pytest.fixture(scope="module")
def cli(mongo, settings):
    """`commune` in a namespace of its own (under the session's, so it is dropped with
    it), whose tasks database no other test counts."""
    namespace = f"{settings.namespace}_xl"
    store = TaskStore(mongo[f"{namespace}_tasks"])
    store.ensure_indexes()
    load_directory(store)

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(BIN / "commune"), "tasks", *args], capture_output=True,
                              text=True, timeout=60,
                              env=env_for(settings, COMMUNE_NAMESPACE=namespace))
    run.store = store
    return run


def test_cli_a_bad_file_exits_1_with_the_report_and_stores_nothing(cli, tmp_path):
    bad = good_rows("XL-G") + [[4, "XL-G-04", "Việc của đơn vị lạ", "", "", "phong-noi-vu",
                                "", "", "", "", ""]]
    done = cli("import", str(write(tmp_path / "bad.xlsx", HEADER, *bad)), "--tenant", TENANT)
    assert done.returncode == 1, done.stderr
    assert "row 7 (XL-G-04):\n  Đơn vị chủ trì: unknown unit 'phong-noi-vu'" in done.stdout
    assert "nothing was imported" in done.stderr
    assert cli.store.db.tasks.count_documents({"tenant": TENANT, "code": {"$regex": "^XL-G"}}) == 0


def test_cli_a_good_file_imports_and_exports(cli, tmp_path):
    done = cli("import", str(write(tmp_path / "plan.xlsx", HEADER, *good_rows("XL-H"))),
               "--tenant", TENANT, "--by", "cb-ubnd-01")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("imported 3 tasks")
    assert cli.store.db.tasks.count_documents({"tenant": TENANT, "code": {"$regex": "^XL-H"}}) == 3

    out = tmp_path / "tasks.xlsx"
    done = cli("export", str(out), "--tenant", TENANT, "--period", "Năm 2026")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{out}: 3 tasks, 3 units, 3 groups"
    assert openpyxl.load_workbook(out)["Nhiệm vụ"].max_row == 4


@pytest.mark.parametrize("name, content", [("missing.xlsx", None),
                                           ("plan.xlsx", b"STT,Ma,Nhiem vu\n"),
                                           ("plan.csv", b"STT,Ma,Nhiem vu\n")])
def test_cli_a_file_it_cannot_read_is_one_line_and_exit_2(cli, tmp_path, name, content):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    done = cli("import", str(path), "--tenant", TENANT)
    assert done.returncode == 2
    assert done.stdout == "" and len(done.stderr.strip().splitlines()) == 1
    assert str(path) in done.stderr


def test_cli_an_unknown_officer_is_exit_2(cli, tmp_path):
    done = cli("import", str(write(tmp_path / "p.xlsx", HEADER, *good_rows("XL-I"))),
               "--tenant", TENANT, "--by", "cb-khong-co")
    assert done.returncode == 2
    assert "no officer 'cb-khong-co'" in done.stderr
