"""The task sheet's columns: what import reads (Vietnamese headers, other accepted
spellings), what it ignores, and finding and mapping the header row. Pure."""
import re
from collections.abc import Sequence
from dataclasses import dataclass

from services.common.errors import InvalidArgument
from services.common.text import fold as text_fold

IMPORTER = "excel-import"  # created_by of imported tasks when no officer is named
HEADER_SEARCH_ROWS = 20  # a title block above the header row is allowed, this deep at most


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
# The columns of the sheet export writes, as map_headers maps them.
EXPORTED = {position: c.field for position, c in enumerate(COLUMNS)}
REQUIRED = ("code", "title")
# Columns export writes after those for the reader only (status, progress, overdue, last
# update): import ignores them and says so, so that an exported plan imports again.
INFORMATIVE = ("Trạng thái", "Tiến độ %", "Quá hạn", "Cập nhật lần cuối")
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
_INFORMATIVE = {_header_key(name) for name in INFORMATIVE}


def informative(cells: Sequence) -> list[str]:
    """The informative columns (INFORMATIVE) a header row has, as written there."""
    return [str(c).strip() for c in cells if c is not None and _header_key(c) in _INFORMATIVE]


def map_headers(cells: Sequence) -> dict[int, str]:
    """Column position -> field for a header row; InvalidArgument naming unknown or
    repeated columns and missing required ones (fields["columns"])."""
    mapping: dict[int, str] = {}
    unknown, repeated = [], []
    for position, cell in enumerate(cells):
        if cell is None or not str(cell).strip():
            continue
        key = _header_key(cell)
        if key in NUMBERING or key in _INFORMATIVE:
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
                        + ", ".join(c.label for c in COLUMNS) + "; ignored: "
                        + ", ".join(INFORMATIVE) + ")")
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


