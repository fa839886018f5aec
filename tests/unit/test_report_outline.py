"""The quarterly report's outline and its Vietnamese formatting: figures as the APIs gave
them, each with its period and source, and a marked blank wherever the platform has none."""
import datetime as dt
import io

import docx
import pypdf
import pytest

from services.common.errors import InvalidArgument
from services.common.periods import Period
from services.common.settings import Settings
from services.reports import quarterly, to_docx, to_pdf
from services.reports import vietnamese as vi
from services.reports.collect import VIETNAM, Facts, next_quarter
from services.reports.outline import BLANK_MARK, Blank, Paragraph, Table, outline

Q1 = Period("quarter", 2026, 1)
TAKEN = dt.datetime(2026, 4, 3, 9, 30, tzinfo=VIETNAM)
Q1_END = dt.datetime(2026, 4, 1, tzinfo=VIETNAM)


@pytest.mark.parametrize("value, text", [(10766, "10.766"), (99.78, "99,78"), (928, "928"),
                                         (99.11, "99,11"), (95.0, "95"), (1234567.5,
                                                                            "1.234.567,5")])
def test_numbers_take_vietnamese_separators(value, text):
    assert vi.number(value) == text


def test_percentages_ratios_dates_and_durations():
    assert vi.percent(99.78) == "99,78%"
    assert vi.percent(100.0) == "100%"
    assert vi.ratio(900, 902) == "900/902"
    assert vi.ratio(10766, 11154) == "10.766/11.154"
    assert vi.date(dt.date(2026, 3, 5)) == "05/03/2026"
    assert vi.dated_place("Bình Lư", dt.date(2026, 4, 3)) == "Bình Lư, ngày 03 tháng 04 năm 2026"
    assert vi.duration(245) == "4 phút 5 giây"
    assert vi.duration(7800) == "2 giờ 10 phút"
    assert (vi.duration(240), vi.duration(7200), vi.duration(7)) == ("4 phút", "2 giờ", "7 giây")


def test_the_quarter_after_the_fourth_is_next_years_first():
    assert next_quarter(Period("quarter", 2026, 4)) == Period("quarter", 2027, 1)
    assert next_quarter(Q1) == Period("quarter", 2026, 2)


def ratio_row(code, name, numerator, denominator, value, **extra):
    return {"indicator": code, "nameVi": name, "kind": "INDICATOR_KIND_RATIO",
            "source": "manual", "hasValue": True, "hasCounts": True, "value": value,
            "numerator": numerator, "denominator": denominator, **extra}


def facts(**changes) -> Facts:
    task = {"code": "NQ57-2026-03", "title": "Lắp đặt camera AI", "leadUnit": "cong-an",
            "deadline": "2026-06-30", "progressPercent": 40, "status": "TASK_STATUS_IN_PROGRESS"}
    given = dict(
        commune="binh-lu", period=Q1, taken=TAKEN, as_of=Q1_END,
        kpi_rows=[
            ratio_row("online-dossiers", "Tỷ lệ hồ sơ trực tuyến", 900, 902, 99.78,
                      target={"comparison": "COMPARISON_GREATER", "value": 90},
                      status="KPI_STATUS_MET"),
            {"indicator": "digitised-dossiers", "nameVi": "Tỷ lệ số hóa",
             "kind": "INDICATOR_KIND_RATIO", "source": "manual", "hasValue": True,
             "value": 99.11},
            {"indicator": "satisfaction", "nameVi": "Tỷ lệ hài lòng",
             "kind": "INDICATOR_KIND_RATIO", "hasValue": False, "status": "KPI_STATUS_NO_DATA",
             "target": {"comparison": "COMPARISON_GREATER", "value": 95}},
            {"indicator": "online-payment", "nameVi": "Tỷ lệ thanh toán trực tuyến",
             "kind": "INDICATOR_KIND_RATIO", "hasValue": False},
            ratio_row("vneid-level2", "Tỷ lệ kích hoạt VNeID mức độ 2", 44, 100, 44.0,
                      target={"comparison": "COMPARISON_GREATER_OR_EQUAL", "value": 60},
                      status="KPI_STATUS_MISSED"),
        ],
        kpi_sources={"online-dossiers": "BC Quý I/2026 xã Bình Lư, mục II.4: 900/902"},
        task_summary={"total": {"assigned": 4, "done": 3, "doneOnTime": 2, "overdue": 1},
                      "byUnit": [{"key": "cong-an", "assigned": 4, "done": 3,
                                  "doneOnTime": 2, "overdue": 1}]},
        unit_names={"cong-an": "Công an xã"},
        flagged=[{"task": task, "flags": ["slow", "overdue"]}],
        next_tasks=[task],
        alert_stats={"raised": 12, "bySeverity": {"ALERT_SEVERITY_HIGH": 2,
                                                  "ALERT_SEVERITY_LOW": 10},
                     "byStatus": {"ALERT_STATUS_RESOLVED": 9, "ALERT_STATUS_OPEN": 2,
                                  "ALERT_STATUS_SUPPRESSED": 1},
                     "mttaSeconds": 245.0, "mttrSeconds": None, "acknowledged": 10,
                     "resolved": 8, "falsePositiveAlerts": 3, "open": 2},
        batches=[{"gtin": "8939999000031", "lot": "MD-2026-01", "producedOn": "2026-01-20",
                  "quantity": 1000, "unit": "gói", "eventCount": 7}],
        product_names={"8939999000031": "Miến dong Bình Lư 500 g"})
    return Facts(**{**given, **changes})


def texts(document) -> list[str]:
    return [b.text for b in document.body if isinstance(b, Paragraph)]


def table(document, caption_start: str) -> Table:
    return next(b for b in document.body
                if isinstance(b, Table) and b.caption.startswith(caption_start))


def test_the_header_leaves_the_number_to_the_officer_and_dates_the_report():
    document = outline(facts(), "Bình Lư")
    assert document.number.text == f"Số: {BLANK_MARK}-BC/BCĐ"
    assert document.place_date.text == "Bình Lư, ngày 03 tháng 04 năm 2026"
    assert document.title[2] == "Quý I năm 2026; nhiệm vụ trọng tâm Quý II năm 2026"


def test_public_service_figures_are_the_kpi_rows_and_missing_ones_are_blanks():
    document = outline(facts(), "Bình Lư")
    body = "\n".join(texts(document))
    assert "Số lượng hồ sơ trực tuyến: 900/902 hồ sơ, tỷ lệ 99,78%" in body
    assert "tỷ lệ số hóa đạt 99,11%" in body
    # no e-results, full-online or dossiers-filed figure: blanks, not zeros
    assert f"tỷ lệ cấp kết quả điện tử đạt {BLANK_MARK}" in body
    assert f"Tổng số hồ sơ tiếp nhận trong kỳ: {BLANK_MARK} hồ sơ" in body
    assert "văn bản gốc của từng số liệu ghi ở Bảng 1" in body


def test_the_indicator_table_shows_figures_targets_and_sources_and_skips_the_unused():
    rows = {r[1]: r for r in table(outline(facts(), "Bình Lư"), "Bảng 1").rows}
    assert rows["Tỷ lệ hồ sơ trực tuyến"][2:] == ("99,78%", "900/902", "> 90%", "Đạt",
                                                  "nhập theo BC Quý I/2026 xã Bình Lư, mục II.4")
    assert rows["Tỷ lệ số hóa"][6] == "nhập trên nền tảng"
    satisfaction = rows["Tỷ lệ hài lòng"]
    assert isinstance(satisfaction[2], Blank) and satisfaction[5] == "Chưa có số liệu"
    assert "Tỷ lệ thanh toán trực tuyến" not in rows  # neither a figure nor a target


def test_tasks_ioc_and_traceability_carry_their_counts_and_periods():
    document = outline(facts(), "Bình Lư")
    tasks = table(document, "Bảng 3")
    assert tasks.rows[-1] == ("Tổng", "4", "3", "2", "1", "75%", "66,67%")
    assert tasks.rows[0][0] == "Công an xã"
    assert "Quý I/2026" in tasks.source.text
    body = "\n".join(texts(document))
    assert ("Trong Quý I/2026, hệ thống ghi nhận 12 cảnh báo (mức cao 2, thấp 10); đến hết "
            "ngày 31/03/2026, 10 cảnh báo đã được tiếp nhận, 9 đã xử lý xong (trong đó 3 được "
            "xác định là báo động giả), 2 chưa được tiếp nhận, 1 tạm ẩn do bảo trì thiết bị. "
            "Thời gian trung bình từ khi có cảnh báo đến khi tiếp nhận 4 phút 5 giây.") in body
    assert ("(Kỳ: cảnh báo phát sinh trong Quý I/2026, tình trạng xử lý đến hết ngày "
            "31/03/2026. Nguồn: thống kê cảnh báo của Trung tâm điều hành trên nền tảng.)"
            ) in body
    assert ("Trong Quý I/2026, 1 lô sản phẩm được sản xuất và ghi nhận trên hệ thống truy "
            "xuất nguồn gốc; chuỗi truy xuất của các lô này có 7 sự kiện đến hết ngày "
            "31/03/2026.") in body
    # the day the figures were read is only in the note: none stands as of it
    assert "lũy kế" not in body and body.count("03/04/2026") == 1
    assert table(document, "Bảng 2").rows == (
        ("Miến dong Bình Lư 500 g", "MD-2026-01", "20/01/2026", "1.000 gói", "7"),)


def test_a_quarter_without_tasks_due_says_so_instead_of_a_table_of_zeros():
    empty = {"assigned": 0, "done": 0, "doneOnTime": 0, "overdue": 0}
    document = outline(facts(task_summary={"total": empty, "byUnit": []}), "Bình Lư")
    assert "Không có nhiệm vụ nào có thời hạn trong Quý I/2026." in texts(document)
    assert not any(isinstance(b, Table) and b.caption.startswith("Bảng 3")
                   for b in document.body)


def test_a_rate_of_nothing_done_is_a_dash_not_zero():
    none_done = {"assigned": 2, "done": 0, "doneOnTime": 0, "overdue": 2}
    tasks = table(outline(facts(task_summary={"total": none_done, "byUnit": []}), "Bình Lư"),
                  "Bảng 3")
    assert tasks.rows == (("Tổng", "2", "0", "0", "2", "0%", "—"),)


def test_shortcomings_and_next_quarter_come_from_the_review_and_the_kpi_status():
    document = outline(facts(), "Bình Lư")
    body = "\n".join(texts(document))
    assert "Chỉ tiêu “Tỷ lệ kích hoạt VNeID mức độ 2” không đạt mục tiêu: đạt 44%" in body
    row = ("NQ57-2026-03", "Lắp đặt camera AI", "Công an xã", "30/06/2026", "40%")
    assert table(document, "Bảng 4").rows == ((*row, "chậm tiến độ, quá hạn"),)
    assert table(document, "Bảng 5. Nhiệm vụ có thời hạn trong Quý II/2026").rows == (row,)


def test_the_leadership_and_other_prose_are_blanks_with_hints():
    document = outline(facts(), "Bình Lư")
    hints = [b.hint for b in document.blanks()]
    assert hints[0] == "số văn bản"
    assert "công tác lãnh đạo, chỉ đạo trong quý" in hints
    assert hints[-2:] == ["chức vụ người ký", "họ và tên người ký"]


def test_both_renderings_hold_the_figures_and_the_marked_blanks():
    document = outline(facts(), "Bình Lư")
    word = docx.Document(io.BytesIO(to_docx.render(document)))
    paragraphs = "\n".join(p.text for p in word.paragraphs)
    assert "tỷ lệ 99,78%" in paragraphs
    highlighted = [r for p in word.paragraphs for r in p.runs if r.font.highlight_color]
    in_tables = [r for t in word.tables for row in t.rows for c in row.cells
                 for p in c.paragraphs for r in p.runs if r.font.highlight_color]
    assert {r.text for r in highlighted + in_tables} == {BLANK_MARK}
    assert len(highlighted + in_tables) == len(document.blanks())
    pdf = pypdf.PdfReader(io.BytesIO(to_pdf.render(document)))
    text = "".join(page.extract_text() for page in pdf.pages)
    assert len(pdf.pages) >= 2 and "99,78%" in text


def test_a_task_title_with_control_characters_renders_in_both_formats_without_them():
    task = {"code": "NQ57-2026-03", "title": "Lắp\x0e đặt\x1c camera", "leadUnit": "cong-an",
            "deadline": "2026-06-30", "progressPercent": 40, "status": "TASK_STATUS_IN_PROGRESS"}
    document = outline(facts(flagged=[{"task": task, "flags": ["slow"]}], next_tasks=[task]),
                       "Bình Lư")
    word = docx.Document(io.BytesIO(to_docx.render(document)))
    cells = [c.text for t in word.tables for row in t.rows for c in row.cells]
    assert "Lắp đặt camera" in cells
    pdf = pypdf.PdfReader(io.BytesIO(to_pdf.render(document)))
    assert "camera" in "".join(page.extract_text() for page in pdf.pages)


def test_every_table_shares_out_the_whole_width_among_its_columns():
    tables = [b for b in outline(facts(), "Bình Lư").body if isinstance(b, Table)]
    assert len(tables) == 5
    for block in tables:
        assert len(block.widths) == len(block.header) and sum(block.widths) == 100, block.caption
        assert all(len(row) == len(block.header) for row in block.rows), block.caption


@pytest.mark.parametrize("commune, year, quarter, fmt, field", [
    ("binh-lu", 2026, 5, "docx", "quarter"), ("binh-lu", 1999, 1, "pdf", "year"),
    ("nowhere", 2026, 1, "pdf", "commune"), ("lai-chau", 2026, 1, "pdf", "commune"),
    ("binh-lu", 2026, 1, "odt", "fmt")])
def test_bad_requests_are_refused_before_any_service_is_called(commune, year, quarter, fmt,
                                                               field):
    nowhere = Settings(api_urls={name: "http://127.0.0.1:1" for name in
                                 ("kpi", "tasks", "iocevents", "trace")})
    with pytest.raises(InvalidArgument) as refused:
        quarterly.build(nowhere, "token", commune, year, quarter, fmt)
    assert field in refused.value.fields


def derived_task_rate(code: str, numerator: int, denominator: int) -> dict:
    return {**ratio_row(code, code, numerator, denominator, 100 * numerator / denominator),
            "source": "tasks", "status": "KPI_STATUS_MISSED",
            "target": {"comparison": "COMPARISON_GREATER_OR_EQUAL", "value": 100}}


def test_a_period_over_says_its_figures_stand_at_its_end_and_withholds_rates_counted_to_date():
    rows = [derived_task_rate("task-completion-rate", 1, 2),
            {**derived_task_rate("task-on-time-rate", 1, 1), "target": None},
            derived_task_rate("task-monthly-update-compliance", 5, 6)]
    document = outline(facts(kpi_rows=rows), "Bình Lư")
    note = next(b for b in document.body if isinstance(b, Paragraph) and b.style == "note")
    assert "ngày 03/04/2026 lúc 09:30, tình trạng đến hết ngày 31/03/2026" in note.text
    shown = {r[1]: r for r in table(document, "Bảng 1").rows}
    completion = shown["task-completion-rate"]
    assert isinstance(completion[2], Blank) and completion[3:6] == ("", "≥ 100%", "")
    assert "đến hết kỳ: Bảng 3" in completion[6]
    assert isinstance(shown["task-on-time-rate"][2], Blank)  # shown, though it has no target
    assert shown["task-monthly-update-compliance"][2:4] == ("83,33%", "5/6")
    body = "\n".join(texts(document))
    assert "task-completion-rate" not in body  # not a shortcoming: no figure to judge
    assert "task-monthly-update-compliance" in body
    assert "Tình trạng đến hết ngày 31/03/2026" in table(document, "Bảng 4").source.text


def test_a_period_still_running_gives_every_figure_as_read():
    running = dt.datetime(2026, 3, 20, 10, 0, tzinfo=VIETNAM)
    rows = [derived_task_rate("task-completion-rate", 1, 2)]
    document = outline(facts(taken=running, as_of=running, kpi_rows=rows), "Bình Lư")
    completion = table(document, "Bảng 1").rows[0]
    assert completion[2:4] == ("50%", "1/2")
    assert "tình trạng xử lý đến ngày 20/03/2026" in "\n".join(texts(document))
