"""Reporting periods as Vietnamese plans and reports write them: "Năm 2026", "Trong năm
2026", "Quý III/2026", "Quý 3/2026", "Tháng 6/2026"; pure."""
import calendar
import datetime as dt
import re
from dataclasses import dataclass

from .errors import InvalidArgument
from .text import fold

KINDS = ("year", "quarter", "month")
# The commune's calendar: Vietnam's time, which has no summer time.
VIETNAM = dt.timezone(dt.timedelta(hours=7), "ICT")
ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
ROMAN_OUT = {v: k.upper() for k, v in ROMAN.items()}
# Wording that names no period ("regularly", "every year"): a task with no deadline.
ONGOING = ("thuong xuyen", "hang nam", "hang thang", "hang quy")


FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass(frozen=True, order=True)
class Period:
    kind: str
    year: int
    number: int = 0  # quarter 1-4 or month 1-12; 0 for a year

    def __post_init__(self):
        limits = {"year": (0, 0), "quarter": (1, 4), "month": (1, 12)}
        if self.kind not in limits:
            raise InvalidArgument(f"period kind must be one of {', '.join(KINDS)}")
        low, high = limits[self.kind]
        if not FIRST_YEAR <= self.year <= LAST_YEAR or not low <= self.number <= high:
            raise InvalidArgument(f"no such period: {self.kind} {self.number} of {self.year}")

    @property
    def first_day(self) -> dt.date:
        month = {"year": 1, "quarter": 3 * self.number - 2, "month": self.number}[self.kind]
        return dt.date(self.year, month, 1)

    @property
    def last_day(self) -> dt.date:
        month = {"year": 12, "quarter": 3 * self.number, "month": self.number}[self.kind]
        return dt.date(self.year, month, calendar.monthrange(self.year, month)[1])

    def contains(self, day: dt.date) -> bool:
        return self.first_day <= day <= self.last_day

    def span(self, zone: dt.tzinfo = VIETNAM) -> tuple[dt.datetime, dt.datetime]:
        """The period's first instant and the first instant after it, on `zone`'s
        calendar."""
        after = self.last_day + dt.timedelta(days=1)
        return (dt.datetime.combine(self.first_day, dt.time(), zone),
                dt.datetime.combine(after, dt.time(), zone))

    def label(self) -> str:
        """The Vietnamese form: "Năm 2026", "Quý III/2026", "Tháng 6/2026"."""
        if self.kind == "year":
            return f"Năm {self.year}"
        if self.kind == "quarter":
            return f"Quý {ROMAN_OUT[self.number]}/{self.year}"
        return f"Tháng {self.number}/{self.year}"

    @classmethod
    def month_of(cls, day: dt.date) -> "Period":
        return cls("month", day.year, day.month)


_PATTERNS = [
    (re.compile(r"^(?:trong )?(?:nam )?(\d{4})$"), lambda m: Period("year", int(m[1]))),
    (re.compile(r"^(?:quy|q)\s*([ivx]+|\d)\s*(?:/|nam|-)\s*(\d{4})$"),
     lambda m: Period("quarter", int(m[2]), _quarter(m[1]))),
    (re.compile(r"^(?:thang\s*)?(\d{1,2})\s*(?:/|nam|-)\s*(\d{4})$"),
     lambda m: Period("month", int(m[2]), int(m[1]))),
]


def _quarter(numeral: str) -> int:
    """1-4 from "3" or "III"."""
    if numeral.isdigit():
        return int(numeral)
    if numeral not in ROMAN:
        raise InvalidArgument(f"no such quarter: {numeral.upper()}")
    return ROMAN[numeral]


def parse(text: str) -> Period | None:
    """The period a text names; None for wording that names none ("Thường xuyên");
    InvalidArgument for anything else."""
    plain = re.sub(r"\s+", " ", fold(text).strip())
    if not plain or plain.startswith(ONGOING):
        return None
    for pattern, make in _PATTERNS:
        match = pattern.match(plain)
        if match:
            return make(match)
    raise InvalidArgument(f"cannot read a period from {text!r}; write e.g. 'Năm 2026', "
                          "'Quý III/2026' or 'Tháng 6/2026'")


def from_proto_json(message: dict) -> Period | None:
    """The period of a commune.v1.Period in proto3 JSON ({"kind": "PERIOD_KIND_YEAR",
    "year": 2026, "number": 0}); None for an unspecified kind. The one conversion of the
    contract's Period: gRPC requests reach it through their JSON form."""
    kind = str(message.get("kind", "PERIOD_KIND_UNSPECIFIED")).removeprefix("PERIOD_KIND_")
    if kind == "UNSPECIFIED":
        return None
    try:
        return Period(kind.lower(), int(message.get("year", 0)), int(message.get("number", 0)))
    except (TypeError, ValueError):
        raise InvalidArgument(f"not a period: {message!r}", {"period": "invalid"}) from None
