"""Cell values as task fields: text, deadlines and periods, priorities, units and
officers by their names. Pure."""
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from services.common import periods
from services.common.errors import InvalidArgument

from .columns import PRIORITY_WORDS, fold


@dataclass(frozen=True)
class Formula:
    """A cell holding a formula, as written ("=TODAY()+30"). Import refuses it in a column
    it reads: a file written by a program other than Excel keeps no value for it, and
    a value that changes each time the file is opened is no plan."""

    text: str

    def __str__(self) -> str:
        return self.text


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
        if isinstance(value, int | float) and not isinstance(value, bool):
            # what a date becomes in a cell formatted as a number (days since 1899)
            problem = (f"a number ({written}), not a date: format the cell as a date or "
                       "write e.g. 30/09/2026 or Quý III/2026")
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


