"""The quarterly report's structure as data, after the communes' own reports (Bình Lư's
Q1/2026 report: shared/seeds/binh-lu-q1-2026-report.txt): header, leadership, results,
shortcomings, next quarter's tasks. Every figure comes from the Facts with its period and
source; what the platform does not hold is a Blank for the officer; pure."""
import datetime as dt
from dataclasses import dataclass, replace

from services.common.periods import ROMAN_OUT, Period

from . import vietnamese as vi
from .collect import Facts, next_quarter

BLANK_MARK = "[…]"


@dataclass(frozen=True)
class Blank:
    """A figure or a passage the platform does not hold: the officer writes it."""

    hint: str

    def __str__(self) -> str:
        return BLANK_MARK


Run = str | Blank


@dataclass(frozen=True)
class Paragraph:
    runs: tuple[Run, ...]
    # body, bullet, source (the period and source of the figures above it), note
    style: str = "body"

    @property
    def text(self) -> str:
        return "".join(str(r) for r in self.runs)


@dataclass(frozen=True)
class Heading:
    text: str
    level: int  # 1: "I. …", 2: "1. …", 3: "7.1. …"


@dataclass(frozen=True)
class Table:
    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[Run, ...], ...]
    source: Paragraph
    widths: tuple[int, ...]  # each column's share of the page's width, in %
    text_columns: tuple[int, ...] = ()  # columns of words, set flush left; figures centred


Block = Heading | Paragraph | Table


@dataclass(frozen=True)
class Document:
    issuer: tuple[str, ...]  # top left, above the number
    number: Paragraph
    motto: tuple[str, ...]  # top right, above the place and date
    place_date: Paragraph
    title: tuple[str, ...]
    body: tuple[Block, ...]
    recipients: tuple[Run, ...]
    signature: tuple[Run, ...]

    def blanks(self) -> list[Blank]:
        """Every Blank, in reading order."""
        runs = list(self.number.runs) + list(self.place_date.runs)
        for block in self.body:
            if isinstance(block, Paragraph):
                runs += block.runs
            elif isinstance(block, Table):
                runs += [cell for row in block.rows for cell in row] + list(block.source.runs)
        runs += list(self.recipients) + list(self.signature)
        return [r for r in runs if isinstance(r, Blank)]


STATUS_WORDS = {"KPI_STATUS_MET": "Đạt", "KPI_STATUS_AT_RISK": "Có nguy cơ không đạt",
                "KPI_STATUS_MISSED": "Không đạt", "KPI_STATUS_NO_DATA": "Chưa có số liệu",
                "KPI_STATUS_NO_TARGET": "Chưa đặt mục tiêu"}
COMPARISONS = {"COMPARISON_GREATER": ">", "COMPARISON_GREATER_OR_EQUAL": "≥",
               "COMPARISON_EQUAL": "=", "COMPARISON_LESS_OR_EQUAL": "≤"}
SEVERITY_WORDS = {"ALERT_SEVERITY_CRITICAL": "khẩn cấp", "ALERT_SEVERITY_HIGH": "cao",
                  "ALERT_SEVERITY_MEDIUM": "trung bình", "ALERT_SEVERITY_LOW": "thấp"}
FLAG_WORDS = {"slow": "chậm tiến độ", "overdue": "quá hạn",
              "no_deliverable": "chưa xác định sản phẩm"}
TO_DATE = "to-date"
KPI_DERIVED = {"tasks": "tính từ sự kiện của dịch vụ nhiệm vụ",
               "dossiers": "tính từ sổ theo dõi hồ sơ TTHC",
               TO_DATE: "nền tảng chỉ có tỷ lệ đến ngày lập báo cáo; đến hết kỳ: Bảng 3"}
TASK_RATES = ("task-completion-rate", "task-on-time-rate")
# The figures of the public-service paragraph, in the report's order.
SERVICE_FIGURES = ("dossiers-filed", "online-dossiers", "full-online-dossiers",
                   "digitised-dossiers", "e-results", "data-reuse")


def quarter_words(period: Period) -> str:
    """"Quý I năm 2026", as the title and closing line write it."""
    return f"Quý {ROMAN_OUT[period.number]} năm {period.year}"


def _standing(facts: Facts) -> str:
    """When the period's figures stand: at its end once it is over, else when read."""
    if facts.as_of < facts.taken:
        return f"hết ngày {vi.date(facts.period.last_day)}"
    return f"ngày {vi.date(facts.taken)}"


def _period_rows(facts: Facts) -> list[dict]:
    """The KPI rows, less the figures that no longer describe the period once it is over:
    the rates kpi derives from the tasks' events count what was done up to the day the
    report is made (Bảng 3 gives them as at the period's end)."""
    if facts.as_of >= facts.taken:
        return facts.kpi_rows
    return [{**r, "hasValue": False, "hasCounts": False, "status": "", "source": TO_DATE}
            if r["indicator"] in TASK_RATES and r.get("source") == "tasks" else r
            for r in facts.kpi_rows]


def outline(facts: Facts, commune_name: str) -> Document:
    facts = replace(facts, kpi_rows=_period_rows(facts))
    period, following = facts.period, next_quarter(facts.period)
    rows = {r["indicator"]: r for r in facts.kpi_rows}
    return Document(
        issuer=(f"ĐẢNG BỘ XÃ {commune_name.upper()}",
                "BAN CHỈ ĐẠO THỰC HIỆN NGHỊ QUYẾT SỐ 57-NQ/TW"),
        number=Paragraph(("Số: ", Blank("số văn bản"), "-BC/BCĐ")),
        motto=("ĐẢNG CỘNG SẢN VIỆT NAM",),
        place_date=Paragraph((vi.dated_place(commune_name, facts.taken.date()),)),
        title=("BÁO CÁO",
               "kết quả triển khai thực hiện Nghị quyết số 57-NQ/TW của Bộ Chính trị",
               f"{quarter_words(period)}; nhiệm vụ trọng tâm {quarter_words(following)}"),
        body=(
            Paragraph((
                "Thực hiện Quy chế làm việc của Ban Chỉ đạo xã thực hiện Nghị quyết số "
                "57-NQ/TW ngày 22/12/2024 của Bộ Chính trị về đột phá phát triển khoa học, "
                "công nghệ, đổi mới sáng tạo, chuyển đổi số xã " + commune_name
                + ". Ban Chỉ đạo xã báo cáo kết quả triển khai thực hiện như sau:",)),
            Paragraph((f"Số liệu lấy từ nền tảng vận hành của xã ngày {vi.date(facts.taken)}"
                       f" lúc {facts.taken:%H:%M}, tình trạng đến {_standing(facts)}; mỗi số "
                       "liệu ghi kỳ và nguồn. Ô "
                       f"{BLANK_MARK} tô vàng là số liệu nền tảng chưa có hoặc nội dung cán "
                       "bộ cần viết; xóa đoạn ghi chú này trước khi ban hành.",), "note"),
            *_leadership(),
            Heading("II. KẾT QUẢ THỰC HIỆN", 1),
            *_public_services(facts, rows),
            *_traceability(facts),
            *_tasks(facts),
            *_ioc(facts),
            *_shortcomings(facts),
            *_next_quarter(facts, following),
            Paragraph((f"Trên đây là báo cáo {quarter_words(period).replace('Quý', 'quý')} về "
                       "tình hình "
                       "thực hiện Nghị quyết số 57-NQ/TW của Bộ Chính trị của Ban Chỉ đạo "
                       f"thực hiện Nghị quyết số 57-NQ/TW xã {commune_name}.",)),
        ),
        recipients=("Ban Chỉ đạo tỉnh về thực hiện NQ 57-NQ/TW,",
                    "TT. Đảng ủy, HĐND; lãnh đạo UBND xã,",
                    "Các đồng chí thành viên BCĐ xã,",
                    "Các cơ quan, đơn vị trực thuộc xã,", "Lưu: BCĐ."),
        signature=(Blank("chức vụ người ký"), Blank("họ và tên người ký")),
    )


def _written(*headings: tuple[str, str]) -> list[Block]:
    """Headings whose text the officer writes: the platform holds none of it."""
    return [block for title, hint in headings
            for block in (Heading(title, 2), Paragraph((Blank(hint),)))]


def _leadership() -> list[Block]:
    return [Heading("I. CÔNG TÁC LÃNH ĐẠO, CHỈ ĐẠO, TRIỂN KHAI THỰC HIỆN", 1),
            *_written(("1. Công tác lãnh đạo, chỉ đạo", "công tác lãnh đạo, chỉ đạo trong quý"),
                      ("2. Công tác ban hành các văn bản chỉ đạo",
                       "các văn bản đã ban hành: số, ngày, trích yếu"),
                      ("3. Công tác tuyên truyền, quán triệt", "hoạt động tuyên truyền"))]


def _value(row: dict | None) -> Run:
    """An indicator's figure as the report prints it, or a blank when there is none."""
    if not row or not row.get("hasValue"):
        return Blank("số liệu chỉ tiêu")
    if row.get("kind") == "INDICATOR_KIND_RATIO":
        return vi.percent(row["value"])
    return vi.number(row["value"])


def _counts(row: dict | None) -> Run:
    if row and row.get("hasValue") and row.get("hasCounts"):
        return vi.ratio(row["numerator"], row["denominator"])
    return ""


def _kpi_source(facts: Facts, row: dict) -> str:
    if row.get("source") in KPI_DERIVED:
        return KPI_DERIVED[row["source"]]
    document = facts.kpi_sources.get(row["indicator"])
    # "BC Quý I/2026 xã Bình Lư, mục II.4: <the words quoted>": the document and section
    return f"nhập theo {document.split(':')[0]}" if document else "nhập trên nền tảng"


def _public_services(facts: Facts, rows: dict) -> list[Block]:
    label = facts.period.label()

    def ratio_sentence(code: str, what: str, unit: str = "hồ sơ") -> tuple[Run, ...]:
        row = rows.get(code)
        counts = _counts(row)
        if counts:
            return (f"{what}: {counts} {unit}, tỷ lệ ", _value(row))
        return (f"{what}: tỷ lệ ", _value(row))

    # a rate withheld for the period is shown, blank, with where to find it instead
    shown = [r for r in facts.kpi_rows
             if r.get("hasValue") or r.get("target") or r.get("source") == TO_DATE]
    return [
        *_written(("1. Về nâng cao nhận thức, quyết tâm chính trị", "kết quả trong quý"),
                  ("2. Về xây dựng, hoàn thiện thể chế, chính sách", "kết quả trong quý"),
                  ("3. Hạ tầng công nghệ, kỹ thuật", "kết quả trong quý")),
        Heading("4. Nền tảng, ứng dụng số; thủ tục hành chính và dịch vụ công trực tuyến", 2),
        Paragraph((f"Kết quả thực hiện {label} như sau:",)),
        Paragraph(("Tổng số TTHC: ", Blank("số thủ tục"), " thủ tục; số lượng TTHC trực "
                   "tuyến toàn trình: ", Blank("số thủ tục"), " thủ tục; một phần, trực "
                   "tiếp: ", Blank("số thủ tục"), " thủ tục."), "bullet"),
        Paragraph(("Tổng số hồ sơ tiếp nhận trong kỳ: ", _value(rows.get("dossiers-filed")),
                   " hồ sơ. ", *ratio_sentence("online-dossiers", "Số lượng hồ sơ trực tuyến"),
                   ". ", *ratio_sentence("full-online-dossiers",
                                         "Số lượng hồ sơ trực tuyến toàn trình"), "."),
                  "bullet"),
        Paragraph(("Việc số hóa, cấp kết quả điện tử và tái sử dụng dữ liệu: tỷ lệ số hóa "
                   "đạt ", _value(rows.get("digitised-dossiers")), ", tỷ lệ cấp kết quả điện "
                   "tử đạt ", _value(rows.get("e-results")), ", tỷ lệ tái sử dụng dữ liệu: ",
                   _value(rows.get("data-reuse")), "."), "bullet"),
        Paragraph((f"(Kỳ: {label}. Nguồn: báo cáo chỉ tiêu của nền tảng, số liệu đã phê "
                   "duyệt; văn bản gốc của từng số liệu ghi ở Bảng 1.)",), "source"),
        Table(f"Bảng 1. Các chỉ tiêu {label}",
              ("STT", "Chỉ tiêu", "Kết quả", "Tử số/mẫu số", "Mục tiêu", "Đánh giá", "Nguồn"),
              tuple((str(i), r.get("nameVi") or r["indicator"], _value(r), _counts(r),
                     _target(r), STATUS_WORDS.get(r.get("status", ""), ""),
                     _kpi_source(facts, r)) for i, r in enumerate(shown, 1)),
              Paragraph((f"Kỳ: {label}. Nguồn: báo cáo chỉ tiêu của nền tảng (dịch vụ "
                         "KPI), số liệu đã phê duyệt; chỉ tiêu có số liệu hoặc có mục tiêu.",),
                        "source"), (6, 28, 10, 11, 10, 13, 22), text_columns=(1, 6)),
        *_written(("5. Phát triển nguồn nhân lực", "kết quả trong quý"),
                  ("6. Đẩy mạnh chuyển đổi số trong hoạt động của các cơ quan trong hệ "
                   "thống chính trị", "kết quả trong quý"),
                  ("7. Thúc đẩy khoa học, công nghệ, đổi mới sáng tạo, chuyển đổi số trong "
                   "kinh tế", "kết quả trong quý")),
    ]


def _target(row: dict) -> str:
    target = row.get("target")
    if not target or target.get("comparison", "COMPARISON_UNSPECIFIED") not in COMPARISONS:
        return ""
    shown = (vi.percent(target["value"]) if row.get("kind") == "INDICATOR_KIND_RATIO"
             else vi.number(target["value"]))
    return f"{COMPARISONS[target['comparison']]} {shown}"


def _rate(part: int, whole: int) -> str:
    return vi.percent(100 * part / whole) if whole else "—"


def _tasks(facts: Facts) -> list[Block]:
    label, total = facts.period.label(), facts.task_summary["total"]

    def line(name: str, s: dict) -> tuple[Run, ...]:
        return (name, vi.number(s.get("assigned", 0)), vi.number(s.get("done", 0)),
                vi.number(s.get("doneOnTime", 0)), vi.number(s.get("overdue", 0)),
                _rate(s.get("done", 0), s.get("assigned", 0)),
                _rate(s.get("doneOnTime", 0), s.get("done", 0)))

    units = [line(facts.unit_names.get(s["key"], s["key"] or "Chưa giao đơn vị"), s)
             for s in facts.task_summary.get("byUnit", []) if s.get("assigned")]
    source = Paragraph((f"Kỳ: nhiệm vụ có thời hạn trong {label}, tình trạng đến "
                        f"{_standing(facts)}. Nguồn: tổng hợp nhiệm vụ của nền tảng.",),
                       "source")
    heading = Heading("8. Thực hiện các nhiệm vụ chuyển đổi số của xã", 2)
    if not total.get("assigned"):
        return [heading, Paragraph((f"Không có nhiệm vụ nào có thời hạn trong {label}.",)),
                source]
    return [
        heading,
        Paragraph((f"Nhiệm vụ có thời hạn trong {label}: {vi.number(total.get('assigned', 0))}"
                   f" nhiệm vụ; đã hoàn thành {vi.number(total.get('done', 0))} (tỷ lệ "
                   f"{_rate(total.get('done', 0), total.get('assigned', 0))}), trong đó đúng "
                   f"hạn {vi.number(total.get('doneOnTime', 0))} (tỷ lệ "
                   f"{_rate(total.get('doneOnTime', 0), total.get('done', 0))}); quá hạn "
                   f"{vi.number(total.get('overdue', 0))} nhiệm vụ.",)),
        Table(f"Bảng 3. Kết quả thực hiện nhiệm vụ {label} theo đơn vị chủ trì",
              ("Đơn vị chủ trì", "Nhiệm vụ", "Hoàn thành", "Đúng hạn", "Quá hạn",
               "Tỷ lệ hoàn thành", "Tỷ lệ đúng hạn"),
              (*units, line("Tổng", total)), source, (30, 10, 11, 10, 9, 15, 15),
              text_columns=(0,)),
    ]


def _ioc(facts: Facts) -> list[Block]:
    label, stats, standing = facts.period.label(), facts.alert_stats, _standing(facts)
    by_severity, by_status = stats.get("bySeverity", {}), stats.get("byStatus", {})
    severities = ", ".join(f"{word} {by_severity[key]}"
                           for key, word in SEVERITY_WORDS.items() if by_severity.get(key))
    suppressed = by_status.get("ALERT_STATUS_SUPPRESSED", 0)
    handled = (f"Thời gian trung bình từ khi có cảnh báo đến khi tiếp nhận "
               f"{vi.duration(stats['mttaSeconds'])}" if stats.get("mttaSeconds") is not None
               else "Chưa có cảnh báo nào được tiếp nhận")
    if stats.get("mttrSeconds") is not None:
        handled += f", đến khi xử lý xong {vi.duration(stats['mttrSeconds'])}"
    return [
        Heading("9. Trung tâm điều hành thông minh cấp xã (IOC)", 2),
        Paragraph((f"Trong {label}, hệ thống ghi nhận {vi.number(stats.get('raised', 0))} "
                   "cảnh báo" + (f" (mức {severities})" if severities else "")
                   + f"; đến {standing}, {vi.number(stats.get('acknowledged', 0))} cảnh báo đã "
                   "được tiếp nhận, "
                   f"{vi.number(by_status.get('ALERT_STATUS_RESOLVED', 0))} đã xử lý xong "
                   f"(trong đó {vi.number(stats.get('falsePositiveAlerts', 0))} được xác định "
                   f"là báo động giả), {vi.number(stats.get('open', 0))} chưa được tiếp nhận"
                   + (f", {vi.number(suppressed)} tạm ẩn do bảo trì thiết bị" if suppressed
                      else "") + f". {handled}.",)),
        Paragraph((f"(Kỳ: cảnh báo phát sinh trong {label}, tình trạng xử lý đến {standing}. "
                   "Nguồn: thống kê cảnh báo của Trung tâm điều hành trên nền tảng.)",),
                  "source"),
    ]


def _traceability(facts: Facts) -> list[Block]:
    label, batches = facts.period.label(), facts.batches
    events = sum(b.get("eventCount", 0) for b in batches)
    rows = tuple((facts.product_names.get(b["gtin"], b["gtin"]), b["lot"],
                  vi.date(_day(b["producedOn"])), f"{vi.number(b['quantity'])} {b['unit']}",
                  vi.number(b.get("eventCount", 0))) for b in batches)
    blocks: list[Block] = [
        Heading("7.1. Truy xuất nguồn gốc sản phẩm", 3),
        Paragraph((f"Trong {label}, {vi.number(len(batches))} lô sản phẩm được sản xuất và "
                   "ghi nhận trên hệ thống truy xuất nguồn gốc; chuỗi truy xuất của các lô này "
                   f"có {vi.number(events)} sự kiện đến {_standing(facts)}.",))]
    source = Paragraph((f"Kỳ: lô sản xuất trong {label}, sự kiện đến {_standing(facts)}. "
                        "Nguồn: hệ thống truy xuất nguồn gốc của nền tảng.",), "source")
    if rows:
        blocks.append(Table(f"Bảng 2. Các lô sản phẩm {label}",
                            ("Sản phẩm", "Lô", "Ngày sản xuất", "Số lượng", "Sự kiện ghi nhận"),
                            rows, source, (34, 18, 18, 16, 14), text_columns=(0,)))
    else:
        blocks.append(source)
    return blocks


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


TASK_COLUMNS = ("Mã", "Nhiệm vụ", "Đơn vị chủ trì", "Thời hạn", "Tiến độ")


def _task_row(facts: Facts, task: dict) -> tuple[Run, ...]:
    deadline = (vi.date(_day(task["deadline"])) if task.get("deadline")
                else task.get("periodText", ""))
    return (task["code"], task["title"],
            facts.unit_names.get(task.get("leadUnit", ""), task.get("leadUnit", "")),
            deadline, f"{task.get('progressPercent', 0)}%")


def _shortcomings(facts: Facts) -> list[Block]:
    missed = [r for r in facts.kpi_rows
              if r.get("status") in ("KPI_STATUS_MISSED", "KPI_STATUS_AT_RISK")]
    blocks: list[Block] = [Heading("III. TỒN TẠI, HẠN CHẾ", 1)]
    for row in missed:
        blocks.append(Paragraph((f"Chỉ tiêu “{row.get('nameVi') or row['indicator']}” "
                                 f"{STATUS_WORDS[row['status']].lower()} mục tiêu: đạt ",
                                 _value(row), f", mục tiêu {_target(row)}."), "bullet"))
    if missed:
        blocks.append(Paragraph((f"(Kỳ: {facts.period.label()}. Nguồn: báo cáo chỉ tiêu của "
                                 "nền tảng.)",), "source"))
    if facts.flagged:
        blocks.append(Paragraph((f"{vi.number(len(facts.flagged))} nhiệm vụ cần xem xét trong "
                                 "rà soát hằng quý (Bảng 4).",), "bullet"))
        blocks.append(Table(
            "Bảng 4. Nhiệm vụ cần xem xét trong rà soát hằng quý", (*TASK_COLUMNS, "Vấn đề"),
            tuple((*_task_row(facts, f["task"]),
                   ", ".join(FLAG_WORDS.get(flag, flag) for flag in f["flags"]))
                  for f in facts.flagged),
            Paragraph((f"Tình trạng đến {_standing(facts)}. Nguồn: rà soát hằng quý của nền "
                       "tảng (nhiệm vụ đang thực hiện chậm tiến độ, quá hạn hoặc chưa xác định "
                       "sản phẩm).",), "source"),
            (18, 31, 18, 14, 7, 12), text_columns=(1, 2, 5)))
    blocks.append(Paragraph((Blank("tồn tại, hạn chế khác và nguyên nhân"),)))
    return blocks


def _next_quarter(facts: Facts, following: Period) -> list[Block]:
    label = following.label()
    source = Paragraph((f"Kỳ: {label}, nhiệm vụ chưa kết thúc đến {_standing(facts)}. Nguồn: "
                        "danh sách nhiệm vụ của nền tảng.",), "source")
    blocks: list[Block] = [
        Heading(f"IV. NHIỆM VỤ, GIẢI PHÁP {quarter_words(following).upper()}", 1),
        Heading("1. Nhiệm vụ", 2)]
    if facts.next_tasks:
        blocks.append(Paragraph((f"Các nhiệm vụ có thời hạn trong {label} "
                                 f"({vi.number(len(facts.next_tasks))} nhiệm vụ, Bảng 5).",)))
        blocks.append(Table(f"Bảng 5. Nhiệm vụ có thời hạn trong {label}", TASK_COLUMNS,
                            tuple(_task_row(facts, t) for t in facts.next_tasks), source,
                            (18, 39, 20, 14, 9), text_columns=(1, 2)))
    else:
        blocks += [Paragraph((f"Nền tảng chưa có nhiệm vụ nào có thời hạn trong {label}.",)),
                   source]
    if facts.flagged:
        blocks.append(Paragraph(("Tiếp tục thực hiện hoặc điều chỉnh theo quyết định rà soát "
                                 f"{vi.number(len(facts.flagged))} nhiệm vụ nêu tại Bảng 4.",)))
    blocks.append(Paragraph((Blank("nhiệm vụ trọng tâm khác"),)))
    blocks += _written(("2. Giải pháp thực hiện", "giải pháp thực hiện"))
    return blocks
