"""What an uploaded workbook may hold that a plan should not, on workbooks built in memory
with openpyxl: formulas, dates typed as numbers, far too many rows, a zip bomb; and
what becomes of each row, as a property of any sheet under the header row."""
import io
import zipfile

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.common.errors import InvalidArgument
from services.tasks.excel import cells, checks, reading
from tests.reliability.fuzz_support import fuzz
from tests.unit.test_tasks_excel import DIRECTORY, HEADER, NAMES, NOW, rows_of


def xlsx(*rows) -> io.BytesIO:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def test_a_formula_in_a_column_import_reads_is_refused_with_the_formula_named():
    _, data = reading.read_rows(rows_of(["STT", *HEADER],
                                        ["=ROW()-1", "XL-01", "Việc", "", "", "=TODAY()+30"]),
                                NAMES)
    assert data[0].problems == {"deadline": "a formula (=TODAY()+30): type the value itself "
                                            "(in Excel: Copy, then Paste Special → Values)"}
    assert "deadline" not in data[0].fields  # and the row-number column's formula is skipped


def test_a_date_typed_as_a_number_is_named_as_such_and_a_year_is_still_a_period():
    with pytest.raises(InvalidArgument, match=r"a number \(46295\), not a date"):
        cells.deadline_fields(46295)
    assert cells.deadline_fields(2026) == {"period_text": "2026"}


def test_blank_rows_are_left_out_and_reading_stops_past_the_most_a_file_may_hold():
    many = [["Mã", "Nhiệm vụ"], [], *[[f"XL-{n}", "Việc"] for n in range(reading.MAX_ROWS + 30)]]
    rows = reading.read_sheet(xlsx(*many))
    assert rows[0][0] == 1 and rows[1][0] == 3  # row 2 is blank
    assert len(rows) == reading.MAX_ROWS + 21  # not every row of the sheet
    with pytest.raises(reading.BadHeader) as refused:
        reading.read_rows(rows, NAMES)
    assert refused.value.fields == {"(row)": "more than 5000 task rows: at most 5000 at a time"}


def test_a_workbook_that_unpacks_to_too_much_is_unreadable_before_it_is_read():
    out = io.BytesIO()
    with zipfile.ZipFile(xlsx(["Mã", "Nhiệm vụ"], ["XL-1", "Việc"])) as good, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for name in good.namelist():
            bomb.writestr(name, good.read(name))
        bomb.writestr("xl/media/padding.bin", b"\0" * (reading.MAX_UNPACKED_BYTES + 1))
    out.seek(0)
    with pytest.raises(reading.UnreadableFile) as refused:
        reading.read_sheet(out)
    assert refused.value.plain == ("the workbook unpacks to 64 MB, more than the 64 MB a task "
                                   "plan may take")


def test_a_file_that_is_no_workbook_says_so_without_the_librarys_words():
    with pytest.raises(reading.UnreadableFile) as refused:
        reading.read_sheet(io.BytesIO(b"Ma,Nhiem vu\nXL-1,Viec\n"))
    assert "BadZipFile" in str(refused.value)  # for the operator's log line
    assert refused.value.plain.startswith("not an .xlsx workbook: save it from Excel")


# --- what becomes of each row, for any sheet ---------------------------------------------

CODES = st.sampled_from(["XL-01", "XL-02", "XL-03", "", "XL 04"])
CELLS = (st.none() | st.text(max_size=12) | st.integers(-5, 50000) | st.dates()
         | st.sampled_from(["Quý III/2026", "phong-vhxh", "Phòng Nội vụ", "cb-phong-vhxh-01",
                            "=TODAY()"]).map(lambda v: cells.Formula(v) if v[0] == "=" else v))
ROWS = st.lists(st.tuples(CODES, st.text(min_size=0, max_size=20), CELLS, CELLS, CELLS),
                min_size=1, max_size=6)


@fuzz
@given(ROWS, st.data())
def test_every_row_read_gets_one_outcome_and_a_refused_file_stores_none(rows, data):
    numbered = [(1, tuple(HEADER))] + [(n, row) for n, row in enumerate(rows, start=2)
                                       if not all(reading._blank(c) for c in row)]
    try:
        _, read = reading.read_rows(numbered, NAMES)
    except reading.BadHeader:
        return  # no task rows under the header: the header row is the report
    plan, errors = checks.check_rows(read, "binh-lu", DIRECTORY, {}, "t", NOW)
    planned = [row.row for row, _ in plan.steps]
    # storing may stop part way (another writer was quicker): any prefix of the plan
    stored = dict.fromkeys(planned[:data.draw(st.integers(0, len(planned)))], "created")

    outcomes = checks.row_outcomes(read, errors, planned, stored)

    assert [(o.row, o.code) for o in outcomes] == [(r.row, r.code) for r in read]
    rejected = {o.row for o in outcomes if o.outcome == "rejected"}
    assert rejected == {e.row for e in errors}
    assert all(o.problems for o in outcomes if o.outcome == "rejected")
    if errors:  # checked and refused: nothing was planned, nothing stored
        assert planned == [] and {o.outcome for o in outcomes} <= {"rejected", "not_stored"}
    else:
        assert {o.row for o in outcomes if o.outcome == "created"} == set(stored)
        assert {o.row for o in outcomes if o.outcome == "not_stored"} == set(planned) - set(
            stored)
