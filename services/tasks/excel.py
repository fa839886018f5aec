"""A commune's tasks in and out of Excel workbooks (.xlsx), the way commune offices keep
their plans: one row per task under a header row of Vietnamese column names.

Import checks every row first (the domain's rules, the commune's units and officers,
codes repeated in the file or already stored) and stores nothing unless all rows are
right; then each task is stored with the events that announce it, like any other new
task. A row with a lead unit, an owner and a deadline is assigned on arrival (the plan
assigns it), as the demo loader does; any other row stays a draft.

Export writes the tasks ("Nhiệm vụ") and their summary ("Tổng hợp": the commune, each
lead unit, each group) as domain.summaries counts them.

The pure parts (header mapping, cell conversion, row checks, the report, the workbook)
take and return plain values; reading and writing files and the store happen only in
read_sheet, import_tasks, export_tasks and save."""
import datetime as dt
import os
import re
import tempfile
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import openpyxl
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from services.common import periods
from services.common.errors import AlreadyExists, InvalidArgument
from services.common.publisher import Publisher
from services.common.text import fold as text_fold

from . import domain
from .listing import Criteria
from .store import TaskStore

IMPORTER = "excel-import"  # created_by of imported tasks when no officer is named
HEADER_SEARCH_ROWS = 20  # a title block above the header row is allowed, this deep at most
MAX_ROWS = 5000
VIETNAM = dt.timezone(dt.timedelta(hours=7))  # Excel has no time zones: times are local


class UnreadableFile(Exception):
    """The file is missing, unreadable or not an .xlsx workbook."""


# --- columns ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    field: str
    label: str  # the Vietnamese header, as export writes it
    names: tuple[str, ...] = ()  # other accepted headers (any case, with or without marks)


COLUMNS = (
    Column("code", "Mã", ("Mã nhiệm vụ", "code", "task code")),
    Column("title", "Nhiệm vụ", ("Tên nhiệm vụ", "Nội dung nhiệm vụ", "title", "task")),
    Column("plan", "Kế hoạch", ("plan",)),
    Column("group", "Nhóm", ("Nhóm nhiệm vụ", "group")),
    Column("lead_unit", "Đơn vị chủ trì", ("lead unit",)),
    Column("coordinating_units", "Đơn vị phối hợp", ("coordinating units",)),
    Column("owner", "Người phụ trách", ("owner",)),
    Column("deliverable", "Sản phẩm", ("Sản phẩm đầu ra", "deliverable")),
    Column("deadline", "Thời hạn", ("Thời hạn hoàn thành", "deadline")),
    Column("priority", "Ưu tiên", ("Mức độ ưu tiên", "priority")),
)
REQUIRED = ("code", "title")
# A row number column ("STT", số thứ tự) carries nothing to store; it is accepted and skipped.
NUMBERING = ("stt", "tt")
LABELS = {c.field: c.label for c in COLUMNS} | {"columns": "Cột", "tenant": "Xã",
                                                "(row)": "Dòng"}
PRIORITY_WORDS = {"thap": "low", "low": "low", "binh thuong": "normal", "trung binh": "normal",
                  "normal": "normal", "cao": "high", "high": "high"}
PRIORITY_LABELS = {"low": "Thấp", "normal": "Bình thường", "high": "Cao"}
STATUS_LABELS = {"draft": "Chưa giao", "assigned": "Đã giao", "in_progress": "Đang thực hiện",
                 "paused": "Tạm dừng", "done": "Hoàn thành", "stopped": "Dừng thực hiện",
                 "replaced": "Đã thay thế"}


def fold(text: str) -> str:
    """Without diacritics, dashes made one, spaces collapsed: how headers, units and
    words are compared ("Đơn vị chủ trì" == "don vi chu tri")."""
    text = re.sub(r"[\u2010-\u2015]", "-", text_fold(text))
    return re.sub(r"\s+", " ", text).strip()


def _header_key(text: str) -> str:
    return fold(re.sub(r"[_*:]", " ", str(text)))


HEADERS = {_header_key(name): c.field for c in COLUMNS for name in (c.label, c.field, *c.names)}


def map_headers(cells: Sequence) -> dict[int, str]:
    """Column position -> field for a header row; InvalidArgument naming unknown or
    repeated columns and missing required ones (fields["columns"])."""
    mapping: dict[int, str] = {}
    unknown, repeated = [], []
    for position, cell in enumerate(cells):
        if cell is None or not str(cell).strip():
            continue
        key = _header_key(cell)
        if key in NUMBERING:
            continue
        name = HEADERS.get(key)
        if name is None:
            unknown.append(str(cell).strip())
        elif name in mapping.values():
            repeated.append(str(cell).strip())
        else:
            mapping[position] = name
    problems = []
    if unknown:
        problems.append("unknown column" + ("s " if len(unknown) > 1 else " ")
                        + ", ".join(repr(u) for u in unknown) + " (accepted: "
                        + ", ".join(c.label for c in COLUMNS) + ")")
    if repeated:
        problems.append("repeated column" + ("s " if len(repeated) > 1 else " ")
                        + ", ".join(repr(r) for r in repeated))
    missing = [LABELS[f] for f in REQUIRED if f not in mapping.values()]
    if missing:
        problems.append("missing column" + ("s " if len(missing) > 1 else " ")
                        + ", ".join(repr(m) for m in missing))
    if problems:
        raise InvalidArgument("; ".join(problems), {"columns": "; ".join(problems)})
    return mapping


def find_header(rows: Sequence[tuple[int, tuple]]) -> int:
    """The index in `rows` of the header row: the first naming the code column ("Mã"),
    within the first HEADER_SEARCH_ROWS rows (a title block may sit above it)."""
    for index, (number, cells) in enumerate(rows):
        if number > HEADER_SEARCH_ROWS:
            break
        if any(c is not None and HEADERS.get(_header_key(c)) == "code" for c in cells):
            return index
    raise InvalidArgument(f"no header row: none of the first {HEADER_SEARCH_ROWS} rows has a "
                          f"'Mã' (code) column", {"columns": "no header row"})


# --- cells -----------------------------------------------------------------------------

def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value) -> str:
    """A cell as one line of text: numbers without a spurious ".0", dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "có" if value else "không"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return " ".join(str(value).split())


_DAY_FIRST = re.compile(r"^(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def deadline_fields(value) -> dict:
    """The task fields of a "Thời hạn" cell: a date (cell or "30/09/2026") goes to
    `deadline`, period wording ("Quý III/2026", "Trong năm 2026", "Thường xuyên") to
    `period_text`. InvalidArgument (fields["deadline"]) for anything else."""
    if _blank(value):
        return {}
    if isinstance(value, dt.datetime):
        return {"deadline": value.date().isoformat()}
    if isinstance(value, dt.date):
        return {"deadline": value.isoformat()}
    written = text(value)
    day_first, iso = _DAY_FIRST.match(written), _ISO.match(written)
    if day_first or iso:
        day, month, year = (day_first.groups() if day_first else reversed(iso.groups()))
        try:
            return {"deadline": dt.date(int(year), int(month), int(day)).isoformat()}
        except ValueError:
            raise InvalidArgument(f"no such date {written!r}",
                                  {"deadline": f"no such date {written!r}"}) from None
    try:
        periods.parse(written)
    except InvalidArgument:
        problem = (f"cannot read a date or period from {written!r}; write e.g. 30/09/2026, "
                   "Quý III/2026 or Trong năm 2026")
        raise InvalidArgument(problem, {"deadline": problem}) from None
    return {"period_text": written}


def priority(value) -> str:
    """low/normal/high from "thấp", "bình thường", "cao" (or English); "" when blank."""
    if _blank(value):
        return ""
    word = PRIORITY_WORDS.get(fold(text(value)))
    if word is None:
        problem = f"{text(value)!r} is not a priority; write thấp, bình thường or cao"
        raise InvalidArgument(problem, {"priority": problem})
    return word


@dataclass(frozen=True)
class Names:
    """What a sheet may write for a unit or an officer (its code, name or short name,
    any case, with or without marks) -> its code. Names shared by two are left out."""

    units: dict[str, str] = field(default_factory=dict)
    officers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, units: Iterable[dict], officers: Iterable[dict]) -> "Names":
        return cls(_aliases(units, ("code", "name", "short")),
                   _aliases(officers, ("code", "name")))

    def unit(self, written: str) -> str:
        return self.units.get(fold(written), written)

    def officer(self, written: str) -> str:
        return self.officers.get(fold(written), written)


def _aliases(rows: Iterable[dict], keys: tuple[str, ...]) -> dict[str, str]:
    rows = list(rows)
    seen: dict[str, set[str]] = {}
    for row in rows:
        for key in keys:
            if row.get(key):
                seen.setdefault(fold(row[key]), set()).add(row["code"])
    aliases = {alias: next(iter(codes)) for alias, codes in seen.items() if len(codes) == 1}
    return aliases | {fold(r["code"]): r["code"] for r in rows}  # a code always wins


def split_units(value, names: Names) -> list[str]:
    """The units of a "Đơn vị phối hợp" cell, separated by ";", "," or new lines. A
    comma inside a known unit's name ("Các cơ quan, đơn vị") does not split it."""
    units = []
    for piece in re.split(r"[;\n]", str(value or "")):
        parts = [p.strip() for p in piece.split(",")]
        start = 0
        while start < len(parts):
            # the longest run of comma-separated parts that names a known unit
            end = next((e for e in range(len(parts), start, -1)
                        if fold(", ".join(parts[start:e])) in names.units), start + 1)
            written = ", ".join(parts[start:end])
            if written:
                units.append(names.unit(written))
            start = end
    return units


@dataclass(frozen=True)
class SheetRow:
    """One data row: its number as Excel shows it, the task fields read from it and what
    could not be read (field -> plain words)."""

    row: int
    fields: dict
    problems: dict

    @property
    def code(self) -> str:
        return self.fields.get("code", "")


def read_row(number: int, cells: Sequence, columns: dict[int, str], names: Names) -> SheetRow:
    """The task fields of one row, by the header's column mapping."""
    fields: dict = {}
    problems: dict = {}
    for position, value in enumerate(cells):
        name = columns.get(position)
        if name is None:
            continue
        try:
            if name == "deadline":
                fields.update(deadline_fields(value))
            elif name == "priority":
                if word := priority(value):
                    fields["priority"] = word
            elif name == "coordinating_units":
                fields[name] = split_units(value, names)
            elif name == "lead_unit":
                fields[name] = names.unit(text(value))
            elif name == "owner":
                fields[name] = names.officer(text(value))
            else:
                fields[name] = text(value)
        except InvalidArgument as exc:
            problems.update(exc.fields)
    for name in REQUIRED:
        if not fields.get(name):
            problems.setdefault(name, "missing")
    return SheetRow(number, fields, problems)


class BadHeader(InvalidArgument):
    """The header row is wrong; `row` is where it is (or where it was looked for)."""

    def __init__(self, row: int, error: InvalidArgument):
        super().__init__(str(error), error.fields)
        self.row = row


def read_rows(rows: Sequence[tuple[int, tuple]], names: Names) -> tuple[int, list[SheetRow]]:
    """The header row's number and every non-empty row below it; BadHeader for a header
    that is wrong (fields["columns"]) or no row at all under it."""
    try:
        start = find_header(rows)
    except InvalidArgument as exc:
        first = next((n for n, cells in rows if not all(_blank(c) for c in cells)), 1)
        raise BadHeader(first, exc) from None
    header_number, header = rows[start]
    try:
        columns = map_headers(header)
    except InvalidArgument as exc:
        raise BadHeader(header_number, exc) from None
    unnamed = {i for i, c in enumerate(header) if _blank(c)}
    data = []
    for number, cells in rows[start + 1:]:
        if all(_blank(c) for c in cells):
            continue
        row = read_row(number, cells, columns, names)
        stray = [get_column_letter(i + 1) for i, c in enumerate(cells)
                 if (i in unnamed or i >= len(header)) and not _blank(c)]
        if stray:
            row.problems["(row)"] = f"a value in column {', '.join(stray)}, which has no header"
        data.append(row)
    if not data:
        raise BadHeader(header_number, InvalidArgument(
            "no task rows under the header", {"(row)": "no task rows under the header"}))
    if len(data) > MAX_ROWS:
        raise BadHeader(header_number, InvalidArgument(
            f"{len(data)} task rows", {"(row)": f"{len(data)} task rows: at most {MAX_ROWS} "
                                                "at a time"}))
    return header_number, data


# --- checks and the report -------------------------------------------------------------

@dataclass(frozen=True)
class RowError:
    row: int  # as Excel shows it
    code: str
    fields: dict  # field -> what is wrong, in plain words


@dataclass
class ImportResult:
    imported: int = 0
    errors: list[RowError] = field(default_factory=list)
    assigned: int = 0  # of the imported, how many arrived assigned (the others are drafts)

    @property
    def ok(self) -> bool:
        return not self.errors


_PLAIN = [
    (re.compile(r"String should have at least (\d+) characters?"),
     r"too short (at least \1 characters)"),
    (re.compile(r"String should have at most (\d+) characters?"),
     r"too long (at most \1 characters)"),
    (re.compile(r"List should have at most (\d+) items?.*"), r"too many (at most \1)"),
    (re.compile(r"Field required"), "missing"),
]


def plain(name: str, message: str) -> str:
    """A rule's message in plain words."""
    if name == "code" and "pattern" in message:
        return "use letters, digits and . _ / - only, no spaces, at most 64 characters"
    if name == "tenant" and "pattern" in message:
        return "not a commune code"
    for pattern, replacement in _PLAIN:
        if pattern.fullmatch(message):
            return pattern.sub(replacement, message)
    return message


def _field_of(path: str) -> str:
    """The column a rule's field path is about: "coordinating_units.1" ->
    "coordinating_units", "period_text" -> "deadline", "(input)" -> "(row)"."""
    name = path.split(".")[0]
    name = "deadline" if name == "period_text" else name
    return name if name in LABELS else "(row)"


def _add(problems: dict, path: str, message: str, more: bool = True) -> None:
    """Note what is wrong with a field; `more`: also when the field already has a problem
    (several unknown units), otherwise only the first word on it is kept."""
    name = _field_of(path)
    message = plain(name, message)
    if name not in problems:
        problems[name] = message
    elif more and message not in problems[name]:
        problems[name] += f"; {message}"


def check_rows(rows: Sequence[SheetRow], tenant: str, directory: domain.Directory,
               stored_codes: Iterable[str], by: str,
               now: dt.datetime) -> tuple[list[dict], list[RowError]]:
    """The documents to store, or what is wrong with each row: the domain's rules, the
    commune's units and officers, a code twice in the file or already stored."""
    stored_codes = set(stored_codes)
    first_row: dict[str, int] = {}
    documents, errors = [], []
    for row in rows:
        problems: dict = {}
        for path, message in row.problems.items():
            _add(problems, path, message)
        code = row.code
        if code and code in first_row:
            _add(problems, "code", f"{code!r} is also on row {first_row[code]}")
        elif code in stored_codes:
            _add(problems, "code", f"commune {tenant!r} already has a task {code!r}")
        if code:
            first_row.setdefault(code, row.row)
        fields = {"tenant": tenant, **{k: v for k, v in row.fields.items()
                                       if _field_of(k) not in row.problems}}
        try:  # every unknown unit or officer, even when another field is wrong too
            directory.check(fields.get("lead_unit", ""), fields.get("coordinating_units", ()),
                            fields.get("owner", ""))
        except InvalidArgument as exc:
            for path, message in exc.fields.items():
                _add(problems, path, message)
        try:
            document = domain.new_task(fields, by, now, directory)
        except InvalidArgument as exc:
            for path, message in (exc.fields or {"(row)": str(exc)}).items():
                _add(problems, path, message, more=False)
            document = None
        if problems:
            order = list(LABELS)  # the sheet's column order
            errors.append(RowError(row.row, code, dict(sorted(
                problems.items(), key=lambda p: order.index(p[0])))))
        else:
            documents.append(arrive(document, by, now, directory))
    return ([] if errors else documents), errors


def arrive(document: dict, by: str, now: dt.datetime, directory: domain.Directory) -> dict:
    """A new task as it arrives from a plan: assigned when the plan names its lead unit,
    owner and deadline, a draft otherwise."""
    if not (document["lead_unit"] and document["owner"] and document["deadline"]):
        return document
    changes, entry = domain.assign(document, by, now, directory)
    return {**document, **changes, "history": document["history"] + [entry]}


def format_report(errors: Sequence[RowError]) -> str:
    """The row-by-row report, one block per row, each field by its column name."""
    lines = []
    for error in errors:
        lines.append(f"row {error.row}" + (f" ({error.code})" if error.code else "") + ":")
        lines.extend(f"  {LABELS.get(name, name)}: {message}"
                     for name, message in error.fields.items())
    return "\n".join(lines)


# --- import (I/O) ----------------------------------------------------------------------

def sheet_rows(book: openpyxl.Workbook) -> list[tuple[int, tuple]]:
    """The first sheet's rows as (row number as Excel shows it, cell values)."""
    return [(number, tuple(cells)) for number, cells
            in enumerate(book.worksheets[0].iter_rows(values_only=True), start=1)]


def read_sheet(source: str | os.PathLike | BinaryIO) -> list[tuple[int, tuple]]:
    """The first sheet's rows of an .xlsx file (a path or an open binary file);
    UnreadableFile when it is missing, unreadable or not an .xlsx workbook."""
    name = getattr(source, "name", None) or "workbook"
    if isinstance(source, str | os.PathLike):
        name = source = Path(source)
        if not source.is_file():
            raise UnreadableFile(f"{source}: no such file")
    try:
        with warnings.catch_warnings():  # e.g. "Data Validation extension is not supported"
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(source, read_only=True, data_only=True)
        try:
            return sheet_rows(book)
        finally:
            book.close()
    except InvalidFileException as exc:
        raise UnreadableFile(f"{name}: {exc}") from None
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, IndexError) as exc:
        raise UnreadableFile(f"{name}: not an .xlsx workbook ({type(exc).__name__}: "
                             f"{exc})") from None
    except OSError as exc:
        raise UnreadableFile(f"{name}: {exc.strerror or exc}") from None


def _check_tenant(tenant: str) -> None:
    if not re.fullmatch(domain.TENANT_PATTERN, tenant or ""):
        raise InvalidArgument(f"{tenant!r} is not a commune code", {"tenant": "invalid"})


def import_tasks(store: TaskStore, tenant: str, path: str | os.PathLike | BinaryIO,
                 by: str = IMPORTER, now: dt.datetime | None = None,
                 announce: Publisher | None = None) -> ImportResult:
    """Import a workbook's tasks into a commune: all of them, or none and the report.
    UnreadableFile for a file that cannot be read; InvalidArgument for a bad tenant or an
    officer `by` the commune does not have. With a publisher the new tasks' events go
    out at once (TaskStore.create)."""
    _check_tenant(tenant)
    now = now or dt.datetime.now(dt.UTC)
    rows = read_sheet(path)
    directory = store.directory(tenant)
    if by != IMPORTER and by not in directory.officers:
        raise InvalidArgument(f"commune {tenant!r} has no officer {by!r}", {"by": "unknown"})
    names = Names.of(store.units(tenant), store.officers(tenant))
    try:
        _, data = read_rows(rows, names)
    except BadHeader as exc:
        return ImportResult(errors=[RowError(exc.row, "", exc.fields)])
    stored = {t["code"] for t in store.select(Criteria(tenant))}
    documents, errors = check_rows(data, tenant, directory, stored, by, now)
    if errors:
        return ImportResult(errors=errors)
    result = ImportResult()
    for row, document in zip(data, documents, strict=True):
        try:
            store.create(document, *domain.arrival_events(document), announce=announce)
        except AlreadyExists:  # stored by someone else since the check: stop there
            result.errors.append(RowError(row.row, row.code, {
                "code": f"commune {tenant!r} got a task {row.code!r} while importing; "
                        f"{result.imported} rows above it were stored, it and the rows "
                        "below were not"}))
            break
        result.imported += 1
        result.assigned += document["status"] == "assigned"
    return result


# --- export ----------------------------------------------------------------------------

TASK_HEADERS = [c.label for c in COLUMNS] + ["Trạng thái", "Tiến độ %", "Quá hạn",
                                             "Cập nhật lần cuối"]
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


def task_row(task: dict, today: dt.date, labels: Labels) -> list:
    """One "Nhiệm vụ" row: the import columns, then status, progress, overdue, last update."""
    deadline = task.get("period_text") or (domain.due_date(task) or "")
    return [task["code"], task["title"], task.get("plan", ""), task.get("group", ""),
            labels.unit(task.get("lead_unit", "")),
            "; ".join(labels.unit(u) for u in task.get("coordinating_units", [])),
            labels.officer(task.get("owner", "")), task.get("deliverable", ""), deadline,
            PRIORITY_LABELS.get(task.get("priority", "normal"), task.get("priority", "")),
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
        sheet.append(values)
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


def save(book: openpyxl.Workbook, path: str | os.PathLike) -> Path:
    """Write the workbook whole or not at all (a temporary file renamed into place)."""
    path = Path(path)
    try:
        descriptor, temporary = tempfile.mkstemp(suffix=".xlsx", dir=path.parent or ".")
        os.close(descriptor)
        try:
            book.save(temporary)
            os.replace(temporary, path)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
    except OSError as exc:
        raise UnreadableFile(f"{path}: cannot write ({exc.strerror or exc})") from None
    return path


@dataclass(frozen=True)
class ExportResult:
    path: Path
    tasks: int
    units: int
    groups: int


def export_tasks(store: TaskStore, tenant: str, path: str | os.PathLike, period: str = "",
                 today: dt.date | None = None) -> ExportResult:
    """Write a commune's tasks (those due in `period`, e.g. "Năm 2025", when given) and
    their summary to an .xlsx file."""
    _check_tenant(tenant)
    wanted = periods.parse(period) if period.strip() else None
    if period.strip() and wanted is None:
        raise InvalidArgument(f"{period!r} names no period; write e.g. 'Năm 2025'",
                              {"period": "not a period"})
    if Path(path).suffix.lower() != ".xlsx":
        raise UnreadableFile(f"{path}: the file name must end in .xlsx")
    today = today or dt.datetime.now(dt.UTC).date()
    tasks = store.select(Criteria(tenant, period=wanted))
    sums = domain.summaries(tasks, today)
    labels = Labels.of(store.units(tenant), store.officers(tenant))
    written = save(workbook(tasks, sums, today, labels, wanted), path)
    return ExportResult(written, len(tasks), len(sums["by_unit"]), len(sums["by_group"]))
