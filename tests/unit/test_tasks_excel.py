"""Excel import/export of tasks, the pure parts: headers, cells, row checks, the report and
the export workbook, on workbooks built in memory with openpyxl."""
import datetime as dt
import io

import openpyxl
import pytest

from services.common.errors import InvalidArgument
from services.tasks import domain
from services.tasks.excel import cells, checks, columns, exporting, reading

NOW = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
UNITS = [{"code": "phong-vhxh", "name": "Phòng Văn hóa – Xã hội"},
         {"code": "phong-kinh-te", "name": "Phòng Kinh tế"},
         {"code": "tt-pvhcc", "name": "Trung tâm Phục vụ hành chính công",
          "short": "Trung tâm PVHCC"},
         {"code": "cac-co-quan-don-vi", "name": "Các cơ quan, đơn vị"}]
OFFICERS = [{"code": "cb-phong-vhxh-01", "name": "Cán bộ Phòng Văn hóa – Xã hội",
             "unit": "phong-vhxh"}]
NAMES = cells.Names.of(UNITS, OFFICERS)
DIRECTORY = domain.Directory(frozenset(u["code"] for u in UNITS),
                             {o["code"]: o["unit"] for o in OFFICERS})
HEADER = ["Mã", "Nhiệm vụ", "Đơn vị chủ trì", "Người phụ trách", "Thời hạn"]


def rows_of(*rows) -> list[tuple[int, tuple]]:
    """Rows as read back from a real .xlsx written by openpyxl (cell types included)."""
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return reading.read_sheet(buffer)


# --- headers ---------------------------------------------------------------------------

def test_vietnamese_headers_map_to_fields():
    assert columns.map_headers(["Mã", "Nhiệm vụ", "Kế hoạch", "Nhóm", "Đơn vị chủ trì",
                              "Đơn vị phối hợp", "Người phụ trách", "Sản phẩm", "Thời hạn",
                              "Ưu tiên"]) == {
        0: "code", 1: "title", 2: "plan", 3: "group", 4: "lead_unit",
        5: "coordinating_units", 6: "owner", 7: "deliverable", 8: "deadline", 9: "priority"}


def test_headers_without_diacritics_in_any_case_and_in_english_map_too():
    assert columns.map_headers(["MA", "nhiem vu", "Don Vi Chu Tri", " don  vi phoi hop ",
                              "NGUOI PHU TRACH", "thoi han", "uu tien"]) == {
        0: "code", 1: "title", 2: "lead_unit", 3: "coordinating_units", 4: "owner",
        5: "deadline", 6: "priority"}
    assert columns.map_headers(["Code", "Title", "Lead unit", "coordinating_units", "Owner",
                              "Deliverable", "DEADLINE", "Plan", "Group", "Priority"]) == {
        0: "code", 1: "title", 2: "lead_unit", 3: "coordinating_units", 4: "owner",
        5: "deliverable", 6: "deadline", 7: "plan", 8: "group", 9: "priority"}


def test_a_row_number_column_and_blank_headers_are_skipped():
    assert columns.map_headers(["STT", "Mã", None, "Nhiệm vụ", ""]) == {1: "code", 3: "title"}


def test_unknown_columns_are_named_in_the_error():
    with pytest.raises(InvalidArgument) as error:
        columns.map_headers(["Mã", "Nhiệm vụ", "Ghi chú", "Kinh phí"])
    assert "'Ghi chú'" in error.value.fields["columns"]
    assert "'Kinh phí'" in error.value.fields["columns"]
    assert "Mã" not in error.value.fields["columns"].split("(accepted")[0]


def test_a_missing_title_column_and_a_repeated_column_are_errors():
    with pytest.raises(InvalidArgument, match="missing column 'Nhiệm vụ'"):
        columns.map_headers(["Mã", "Thời hạn"])
    with pytest.raises(InvalidArgument, match="repeated column 'code'"):
        columns.map_headers(["Mã", "Nhiệm vụ", "code"])


def test_the_header_row_may_sit_under_a_title_block():
    rows = rows_of(["DANH MỤC NHIỆM VỤ NĂM 2026"], [], HEADER,
                   ["XL-01", "Số hóa hồ sơ", "phong-vhxh", "", "Trong năm 2026"])
    header_row, data = reading.read_rows(rows, NAMES)
    assert header_row == 3
    assert [(r.row, r.code) for r in data] == [(4, "XL-01")]


def test_unknown_columns_come_back_as_an_error_on_the_header_row():
    rows = rows_of(["Kế hoạch năm 2026"], ["Mã", "Nhiệm vụ", "Ghi chú"], ["XL-01", "Việc", "x"])
    with pytest.raises(reading.BadHeader) as error:
        reading.read_rows(rows, NAMES)
    assert error.value.row == 2
    assert "'Ghi chú'" in error.value.fields["columns"]


# --- cells -----------------------------------------------------------------------------

def test_a_date_cell_becomes_the_deadline():
    [_, (_, values)] = rows_of(["Thời hạn"], [dt.date(2026, 9, 30)])
    assert isinstance(values[0], dt.datetime)  # what openpyxl reads back from a date cell
    assert cells.deadline_fields(values[0]) == {"deadline": "2026-09-30"}


@pytest.mark.parametrize("written, fields", [
    ("30/09/2026", {"deadline": "2026-09-30"}),
    ("1/7/2026", {"deadline": "2026-07-01"}),
    ("2026-09-30", {"deadline": "2026-09-30"}),
    ("Quý III/2026", {"period_text": "Quý III/2026"}),
    ("Trong năm 2026", {"period_text": "Trong năm 2026"}),
    ("Thường xuyên", {"period_text": "Thường xuyên"}),
    (2026, {"period_text": "2026"}),
    (None, {}),
    ("  ", {}),
])
def test_deadline_text_goes_to_deadline_or_period(written, fields):
    assert cells.deadline_fields(written) == fields


def test_a_quarter_gets_its_last_day_as_deadline_when_the_task_is_made():
    fields = {"tenant": "binh-lu", "code": "XL-01", "title": "Số hóa hồ sơ",
              **cells.deadline_fields("Quý III/2026")}
    assert domain.new_task(fields, "t", NOW)["deadline"] == "2026-09-30"


@pytest.mark.parametrize("written, words", [
    ("31/02/2026", "no such date '31/02/2026'"),
    ("Quý V/2026", "cannot read a date or period from 'Quý V/2026'"),
    ("sớm nhất có thể", "cannot read a date or period"),
])
def test_a_deadline_that_reads_as_neither_is_an_error_on_the_deadline(written, words):
    with pytest.raises(InvalidArgument) as error:
        cells.deadline_fields(written)
    assert words in error.value.fields["deadline"]


@pytest.mark.parametrize("written, word", [("Cao", "high"), ("thap", "low"),
                                           ("Bình thường", "normal"), ("HIGH", "high"),
                                           (None, "")])
def test_priority_words(written, word):
    assert cells.priority(written) == word


def test_an_unknown_priority_is_an_error():
    with pytest.raises(InvalidArgument, match="'gấp' is not a priority"):
        cells.priority("gấp")


def test_units_are_read_by_code_name_or_short_name_and_split():
    assert NAMES.unit("Phòng Văn hoá - Xã hội") == "phong-vhxh"  # hoá, hyphen: still it
    assert NAMES.unit("trung tam pvhcc") == "tt-pvhcc"
    assert NAMES.unit("Phòng Nội vụ") == "Phòng Nội vụ"  # unknown: left for the check
    assert cells.split_units("Phòng Kinh tế, Các cơ quan, đơn vị; tt-pvhcc\nPhòng X",
                             NAMES) == ["phong-kinh-te", "cac-co-quan-don-vi", "tt-pvhcc",
                                        "Phòng X"]
    assert cells.split_units(None, NAMES) == []


# --- rows, checks and the report -------------------------------------------------------

def sheet(*rows):
    return reading.read_rows(rows_of(HEADER, *rows), NAMES)[1]


def new_tasks(plan: checks.Plan) -> list[dict]:
    return [step for _, step in plan.steps]


def test_good_rows_become_documents_assigned_when_owner_unit_and_deadline_are_clear():
    data = sheet(["XL-01", "Số hóa hồ sơ", "Phòng Văn hóa – Xã hội", "cb-phong-vhxh-01",
                  "30/09/2026"],
                 [],  # empty rows are skipped
                 ["XL-02", "Rà soát thủ tục", "phong-kinh-te", "", "Quý III/2026"])
    plan, errors = checks.check_rows(data, "binh-lu", DIRECTORY, {}, "t", NOW)
    documents = new_tasks(plan)
    assert errors == []
    assert [(d["code"], d["status"], d["deadline"]) for d in documents] == [
        ("XL-01", "assigned", "2026-09-30"), ("XL-02", "draft", "2026-09-30")]
    assert documents[1]["period_text"] == "Quý III/2026"
    assert [r.row for r in data] == [2, 4]


def test_every_bad_row_is_reported_with_its_fields_and_nothing_is_returned_to_store():
    data = sheet(["XL-01", "Số hóa hồ sơ", "phong-vhxh", "", "30/09/2026"],
                 ["XL-02", "Việc thứ hai", "phong-noi-vu", "", "30/09/2026"],
                 ["XL-03", "Việc thứ ba", "phong-vhxh", "cb-khong-co", "Quý V/2026"],
                 ["XL-01", "ab", "", "", ""])
    plan, errors = checks.check_rows(data, "binh-lu", DIRECTORY, {}, "t", NOW)
    assert plan.steps == []
    assert [(e.row, e.code) for e in errors] == [(3, "XL-02"), (4, "XL-03"), (5, "XL-01")]
    assert errors[0].fields == {"lead_unit": "unknown unit 'phong-noi-vu'"}
    assert set(errors[1].fields) == {"owner", "deadline"}
    assert errors[2].fields["code"] == "'XL-01' is also on row 2"
    assert errors[2].fields["title"] == "too short (at least 3 characters)"
    assert list(errors[1].fields.items()) == [  # in the sheet's column order
        ("owner", "unknown officer 'cb-khong-co'"),
        ("deadline", "cannot read a date or period from 'Quý V/2026'; write e.g. 30/09/2026, "
                     "Quý III/2026 or Trong năm 2026")]


def test_a_missing_code_and_a_bad_code_are_reported_plainly():
    data = sheet(["", "Việc không mã", "", "", ""], ["XL 05", "Việc có dấu cách", "", "", ""])
    _, errors = checks.check_rows(data, "binh-lu", DIRECTORY, {}, "t", NOW)
    assert errors[0].fields == {"code": "missing"}
    assert "no spaces" in errors[1].fields["code"]


def stored(**fields) -> checks.Stored:
    """A stored task, and what import reads from the row export writes for it."""
    task = domain.new_task({"tenant": "binh-lu", "code": "XL-09", "title": "Số hóa hồ sơ",
                            "lead_unit": "phong-vhxh", "period_text": "Quý III/2026",
                            **fields}, "t", NOW, DIRECTORY)
    cells_ = exporting.plan_cells(task, exporting.Labels.of(UNITS, OFFICERS))
    return checks.Stored(task, reading.read_row(0, cells_, columns.EXPORTED, NAMES).fields)


def test_a_row_of_a_stored_task_changes_it_only_where_it_differs():
    same = sheet(["XL-09", "Số hóa hồ sơ", "Phòng Văn hóa – Xã hội", "", "Quý III/2026"])
    plan, errors = checks.check_rows(same, "binh-lu", DIRECTORY, {"XL-09": stored()}, "t", NOW)
    assert (errors, plan.steps, plan.unchanged) == ([], [], 1)
    edited = sheet(["XL-09", "Số hóa hồ sơ", "Phòng Văn hóa – Xã hội", "cb-phong-vhxh-01",
                    "30/09/2026"])
    plan, errors = checks.check_rows(edited, "binh-lu", DIRECTORY, {"XL-09": stored()}, "t",
                                     NOW)
    [(_, revision)] = plan.steps
    assert errors == [] and isinstance(revision, checks.Revision)
    assert revision.changes == {"owner": "cb-phong-vhxh-01", "period_text": ""}
    assert revision.assignment[0]["status"] == "assigned"  # the draft now names everyone


def test_a_row_that_may_not_change_a_stored_task_is_an_error_on_the_row():
    assigned = stored(owner="cb-phong-vhxh-01")
    assigned = checks.Stored({**assigned.task, "status": "assigned"}, assigned.fields)
    data = sheet(["XL-09", "Số hóa hồ sơ", "phong-kinh-te", "cb-phong-vhxh-01", "Quý III/2026"])
    plan, [error] = checks.check_rows(data, "binh-lu", DIRECTORY, {"XL-09": assigned}, "t", NOW)
    assert plan.steps == [] and list(error.fields) == ["(row)"]
    assert "only through the quarterly review" in error.fields["(row)"]


def test_informative_columns_of_the_export_are_ignored_and_named():
    header = exporting.TASK_HEADERS
    assert set(columns.map_headers(header).values()) == {c.field for c in columns.COLUMNS}
    assert columns.informative(header) == list(columns.INFORMATIVE)
    assert columns.informative(["Mã", "trang thai", "Tien do %"]) == ["trang thai", "Tien do %"]


def test_a_value_under_a_column_without_header_is_an_error():
    rows = rows_of(HEADER, ["XL-01", "Số hóa hồ sơ", "", "", "", "", "ghi chú lạc"])
    [row] = reading.read_rows(rows, NAMES)[1]
    assert "column G" in row.problems["(row)"]


def test_a_header_with_no_row_under_it_is_an_error():
    with pytest.raises(reading.BadHeader, match="no task rows"):
        reading.read_rows(rows_of(HEADER, []), NAMES)


# --- export ----------------------------------------------------------------------------

def test_the_export_workbook_has_both_sheets_bold_frozen_headers_and_widths():
    data = sheet(["XL-01", "Số hóa hồ sơ thủ tục hành chính", "phong-vhxh", "cb-phong-vhxh-01",
                  "30/09/2025"])
    documents = new_tasks(checks.check_rows(data, "binh-lu", DIRECTORY, {}, "t", NOW)[0])
    today = dt.date(2026, 3, 2)
    sums = domain.summaries(documents, today)
    book = exporting.workbook(documents, sums, today, exporting.Labels.of(UNITS, OFFICERS))
    tasks, summary = book["Nhiệm vụ"], book["Tổng hợp"]
    assert book.sheetnames == ["Nhiệm vụ", "Tổng hợp"]
    assert [c.value for c in tasks[1]] == exporting.TASK_HEADERS
    assert [c.value for c in tasks[2]][:5] == ["XL-01", "Số hóa hồ sơ thủ tục hành chính",
                                               "", "", "Phòng Văn hóa – Xã hội"]
    assert [c.value for c in tasks[2]][8:13] == [dt.date(2025, 9, 30), "Bình thường",
                                                 "Đã giao", 0, "Có"]
    for sheet_ in (tasks, summary):
        assert sheet_.freeze_panes == "A2"
        assert all(c.font.bold for c in sheet_[1])
    assert tasks.column_dimensions["B"].width > tasks.column_dimensions["M"].width >= 8
    total = [c.value for c in summary[2]]
    assert total[0] == "Toàn xã"
    assert total[3:] == [sums["total"][k] for k in exporting.SUMMARY_KEYS]
    assert summary["I2"].number_format == "0.0%"


def test_control_characters_excel_refuses_are_left_out_of_the_export():
    data = sheet(["XL-01", "Số hóa", "phong-vhxh", "cb-phong-vhxh-01", "30/09/2025"])
    documents = new_tasks(checks.check_rows(data, "binh-lu", DIRECTORY, {}, "t", NOW)[0])
    documents[0]["title"] = "Số\x0e hóa\x1c hồ sơ"
    today = dt.date(2026, 3, 2)
    book = exporting.workbook(documents, domain.summaries(documents, today), today,
                              exporting.Labels.of(UNITS, OFFICERS))
    assert book["Nhiệm vụ"]["B2"].value == "Số hóa hồ sơ"
