"""Export of a commune's tasks and their summary to a workbook (I/O for the store and
the file; the workbook itself is built by pure functions)."""
import datetime as dt
import io
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from services.common import periods
from services.common.text import xml_safe

from .. import domain
from ..listing import Criteria
from ..store import TaskStore
from .checks import check_tenant
from .columns import COLUMNS, INFORMATIVE, PRIORITY_LABELS, STATUS_LABELS
from .reading import UnreadableFile

VIETNAM = dt.timezone(dt.timedelta(hours=7))  # Excel has no time zones: times are local


TASK_HEADERS = [c.label for c in COLUMNS] + list(INFORMATIVE)
SUMMARY_HEADERS = ["Phạm vi", "Mã", "Tên", "Được giao", "Hoàn thành", "Hoàn thành đúng hạn",
                   "Quá hạn", "Đang thực hiện", "Tỷ lệ hoàn thành %", "Tỷ lệ đúng hạn %",
                   "Tỷ lệ cập nhật hằng tháng %", "Đến hạn", "Đến hạn đã hoàn thành",
                   "Đến hạn còn quá hạn"]
SUMMARY_KEYS = ["assigned", "done", "done_on_time", "overdue", "in_progress",
                "completion_rate", "on_time_rate", "monthly_update_compliance", "due",
                "due_done", "due_overdue"]
RATES = {"completion_rate", "on_time_rate", "monthly_update_compliance"}
DATE_FORMAT, TIME_FORMAT, PERCENT_FORMAT = "DD/MM/YYYY", "DD/MM/YYYY HH:MM", "0.0%"


@dataclass(frozen=True)
class Labels:
    """Unit and officer codes -> the names a reader knows them by."""

    units: dict[str, str] = field(default_factory=dict)
    officers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, units: Iterable[dict], officers: Iterable[dict]) -> "Labels":
        return cls({u["code"]: u.get("name") or u["code"] for u in units},
                   {o["code"]: o.get("name") or o["code"] for o in officers})

    def unit(self, code: str) -> str:
        return self.units.get(code, code)

    def officer(self, code: str) -> str:
        return self.officers.get(code, code)


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None:
        return None
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(VIETNAM).replace(tzinfo=None)


def last_update(task: dict) -> dt.datetime | None:
    """When the task's progress was last reported (or it was done): what monthly-update
    compliance looks at. None when never."""
    moments = [m for m in (task.get("last_progress_at"), task.get("done_at")) if m]
    return max(moments) if moments else None


def plan_cells(task: dict, labels: Labels) -> list:
    """The cells of a task's "Nhiệm vụ" row that import reads (COLUMNS)."""
    deadline = task.get("period_text") or (domain.due_date(task) or "")
    return [task["code"], task["title"], task.get("plan", ""), task.get("group", ""),
            labels.unit(task.get("lead_unit", "")),
            "; ".join(labels.unit(u) for u in task.get("coordinating_units", [])),
            labels.officer(task.get("owner", "")), task.get("deliverable", ""), deadline,
            PRIORITY_LABELS.get(task.get("priority", "normal"), task.get("priority", ""))]


def task_row(task: dict, today: dt.date, labels: Labels) -> list:
    """One "Nhiệm vụ" row: the import columns, then status, progress, overdue, last update."""
    return plan_cells(task, labels) + [
        STATUS_LABELS.get(task["status"], task["status"]), task.get("progress", 0),
        "Có" if domain.is_overdue(task, today) else "Không", _local(last_update(task))]


def summary_rows(sums: dict, labels: Labels) -> list[list]:
    """The "Tổng hợp" rows: the commune, each lead unit, each group."""
    def row(scope: str, code: str, name: str, summary: dict) -> list:
        return [scope, code or None, name or None] + [summary[k] for k in SUMMARY_KEYS]
    rows = [row("Toàn xã", "", "", sums["total"])]
    rows += [row("Đơn vị", s["key"], labels.unit(s["key"]) if s["key"]
                 else "(chưa có đơn vị chủ trì)", s) for s in sums["by_unit"]]
    rows += [row("Nhóm", s["key"], "" if s["key"] else "(chưa phân nhóm)", s)
             for s in sums["by_group"]]
    return rows


def _sheet(sheet, headers: list[str], rows: list[list], formats: dict[str, str]) -> None:
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for values in rows:
        sheet.append([xml_safe(v) if isinstance(v, str) else v for v in values])
    for position, header in enumerate(headers, start=1):
        letter = get_column_letter(position)
        wanted = formats.get(header)
        longest = len(header)
        for (cell,) in sheet.iter_rows(min_row=2, min_col=position, max_col=position):
            if wanted and not isinstance(cell.value, str):
                cell.number_format = wanted
            if isinstance(cell.value, dt.date):
                longest = max(longest, 16 if isinstance(cell.value, dt.datetime) else 10)
            elif cell.value is not None:
                longest = max(longest, len(str(cell.value)))
        sheet.column_dimensions[letter].width = min(60, max(8, longest + 2))
    sheet.freeze_panes = "A2"


def workbook(tasks: Sequence[dict], sums: dict, today: dt.date, labels: Labels,
             period: periods.Period | None = None) -> openpyxl.Workbook:
    """The export workbook: "Nhiệm vụ" (one row per task) and "Tổng hợp"."""
    book = openpyxl.Workbook()
    ordered = sorted(tasks, key=lambda t: (t.get("deadline") or "9999", t["code"]))
    _sheet(book.active, TASK_HEADERS, [task_row(t, today, labels) for t in ordered],
           {"Thời hạn": DATE_FORMAT, "Cập nhật lần cuối": TIME_FORMAT})
    book.active.title = "Nhiệm vụ"
    summary = book.create_sheet("Tổng hợp")
    _sheet(summary, SUMMARY_HEADERS, summary_rows(sums, labels),
           {h: PERCENT_FORMAT for h, k in zip(SUMMARY_HEADERS[3:], SUMMARY_KEYS, strict=True)
            if k in RATES})
    summary.append([])
    summary.append([f"Kỳ: {period.label() if period else 'tất cả'}; "
                    f"số liệu đến ngày {today:%d/%m/%Y}"])
    return book


def save(content: bytes, path: str | os.PathLike) -> Path:
    """Write an exported workbook to an .xlsx file, whole or not at all (a temporary file
    renamed into place)."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise UnreadableFile(f"{path}: the file name must end in .xlsx")
    try:
        descriptor, temporary = tempfile.mkstemp(suffix=".xlsx", dir=path.parent or ".")
        try:
            with os.fdopen(descriptor, "wb") as out:
                out.write(content)
            os.replace(temporary, path)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
    except OSError as exc:
        raise UnreadableFile(f"{path}: cannot write ({exc.strerror or exc})") from None
    return path


@dataclass(frozen=True)
class Export:
    content: bytes  # the .xlsx file
    tasks: int
    units: int
    groups: int


def export_tasks(store: TaskStore, criteria: Criteria, today: dt.date | None = None,
                 reader=None) -> Export:
    """A commune's tasks that meet `criteria` (the task list's filters), read from
    `reader` (else the store), and their summary, as an .xlsx workbook."""
    check_tenant(criteria.tenant)
    today = today or dt.datetime.now(dt.UTC).date()
    tasks = (reader or store).select(criteria)
    sums = domain.summaries(tasks, today)
    labels = Labels.of(store.units(criteria.tenant), store.officers(criteria.tenant))
    buffer = io.BytesIO()
    workbook(tasks, sums, today, labels, criteria.period).save(buffer)
    return Export(buffer.getvalue(), len(tasks), len(sums["by_unit"]), len(sums["by_group"]))


def filename(tenant: str, today: dt.date) -> str:
    """The name an export is downloaded as."""
    return f"nhiem-vu-{tenant}-{today:%Y-%m-%d}.xlsx"
