"""Reading a workbook: its first sheet's rows, and the task rows under the header row."""
import os
import warnings
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from services.common.errors import InvalidArgument

from .cells import Formula, Names, _blank, deadline_fields, priority, split_units, text
from .columns import HEADER_SEARCH_ROWS, REQUIRED, find_header, map_headers

MAX_ROWS = 5000
# What a workbook may unpack to: 5,000 task rows take about 2 MB; a small file that
# unpacks to gigabytes (a zip bomb) is refused before it is read.
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
MAX_FILE_BYTES = 4 * 1024 * 1024  # what the HTTP door takes: 5,000 rows are about 300 kB


class UnreadableFile(Exception):
    """The file is missing, unreadable or not an .xlsx workbook. `plain`: what is wrong
    without a library's words, for a caller who sent the file rather than named it."""

    def __init__(self, message: str, plain: str = ""):
        super().__init__(message)
        self.plain = plain or message


NOT_XLSX = ("not an .xlsx workbook: save it from Excel (or LibreOffice) as "
            "\"Excel Workbook (.xlsx)\"")


@dataclass(frozen=True)
class SheetRow:
    """One data row: its number as Excel shows it, the task fields read from it and what
    could not be read (field -> plain words)."""

    row: int
    fields: dict
    problems: dict
    columns: tuple[str, ...] = ()  # the fields the sheet has a column for

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
        if isinstance(value, Formula):
            problems[name] = (f"a formula ({value.text}): type the value itself (in Excel: "
                              "Copy, then Paste Special → Values)")
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
    return SheetRow(number, fields, problems, tuple(columns.values()))


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
            f"more than {MAX_ROWS} task rows", {"(row)": f"more than {MAX_ROWS} task rows: "
                                                         f"at most {MAX_ROWS} at a time"}))
    return header_number, data



# --- import (I/O) ----------------------------------------------------------------------

def _value(cell):
    return Formula(str(getattr(cell.value, "text", cell.value))) if cell.data_type == "f" \
        else cell.value


def sheet_rows(book: openpyxl.Workbook) -> list[tuple[int, tuple]]:
    """The first sheet's rows that are not blank, as (row number as Excel shows it, cell
    values, a formula as a Formula), no more than the header search and MAX_ROWS task rows
    and one (read_rows then says there are too many)."""
    rows = []
    for number, cells in enumerate(book.worksheets[0].iter_rows(), start=1):
        values = tuple(_value(cell) for cell in cells)
        if all(_blank(v) for v in values):
            continue
        rows.append((number, values))
        if len(rows) > HEADER_SEARCH_ROWS + MAX_ROWS:
            break
    return rows


def _check_unpacked_size(source, name) -> None:
    """UnreadableFile for a workbook that unpacks to more than MAX_UNPACKED_BYTES."""
    with zipfile.ZipFile(source) as archive:
        unpacked = sum(member.file_size for member in archive.infolist())
    if unpacked > MAX_UNPACKED_BYTES:
        plain = (f"the workbook unpacks to {unpacked // 2**20} MB, more than the "
                 f"{MAX_UNPACKED_BYTES // 2**20} MB a task plan may take")
        raise UnreadableFile(f"{name}: {plain}", plain)
    if not isinstance(source, Path):
        source.seek(0)


def read_sheet(source: str | os.PathLike | BinaryIO) -> list[tuple[int, tuple]]:
    """The first sheet's rows of an .xlsx file (a path or an open binary file);
    UnreadableFile when it is missing, unreadable or not an .xlsx workbook."""
    name = getattr(source, "name", None) or "workbook"
    if isinstance(source, str | os.PathLike):
        name = source = Path(source)
        if not source.is_file():
            raise UnreadableFile(f"{source}: no such file")
    try:
        _check_unpacked_size(source, name)
        with warnings.catch_warnings():  # e.g. "Data Validation extension is not supported"
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(source, read_only=True)
        try:
            return sheet_rows(book)
        finally:
            book.close()
    except InvalidFileException as exc:
        raise UnreadableFile(f"{name}: {exc}", NOT_XLSX) from None
    # a damaged file: its zip, a compressed member or a member's XML (found by fuzzing;
    # SyntaxError: the XML parser's, ElementTree's or lxml's)
    except (zipfile.BadZipFile, zlib.error, SyntaxError, EOFError, NotImplementedError,
            KeyError, ValueError, TypeError, IndexError) as exc:
        raise UnreadableFile(f"{name}: not an .xlsx workbook ({type(exc).__name__}: "
                             f"{exc})", NOT_XLSX) from None
    except OSError as exc:
        raise UnreadableFile(f"{name}: {exc.strerror or exc}") from None
