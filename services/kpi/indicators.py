"""Indicator definitions (chỉ tiêu) and the reporting periods they are measured over; pure.

An indicator is a ratio (numerator over denominator, shown in %), a count or an amount.
Ratios roll up by summing numerators and denominators, never by averaging percentages;
counts and amounts by summing. Its source says who provides the figures: entered by
hand (manual) or derived from another service's events (tasks, dossiers, assistant; ioc
and trace are reserved for the services that will feed them)."""
from functools import lru_cache
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, Field

from services.common import periods
from services.common.errors import InvalidArgument, validated

CODE_PATTERN = r"^[a-z0-9][a-z0-9-]{1,62}$"


class Indicator(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    code: str = Field(pattern=CODE_PATTERN)
    name_vi: str = Field(min_length=2, max_length=300)
    name_en: str = Field(min_length=2, max_length=300)
    kind: str = Field(pattern="^(ratio|count|amount)$")
    numerator: str = Field("", max_length=300)
    denominator: str = Field("", max_length=300)
    # Whether a higher or a lower value is better: the sense of a trend.
    direction: str = Field("higher", pattern="^(higher|lower)$")
    source: str = Field("manual", pattern="^(manual|tasks|dossiers|assistant|ioc|trace)$")
    # sum: ratios sum numerators and denominators, counts and amounts their values;
    # none: a figure that means nothing summed (it is shown per commune only).
    roll_up: str = Field("sum", pattern="^(sum|none)$")
    # Places after the decimal point of the value as reports print it (96.5%, 99.78%).
    decimals: int = Field(2, ge=0, le=4)
    # How far short of its target a value is "at risk" rather than "missed", in the
    # value's own unit (percentage points for ratios), unless the target says otherwise.
    at_risk_margin: float = Field(5.0, ge=0)
    # Where the definition comes from (plan, decree).
    reference: str = Field("", max_length=500)

    @property
    def is_ratio(self) -> bool:
        return self.kind == "ratio"

    @property
    def derived(self) -> bool:
        return self.source != "manual"


def indicator(fields: object) -> Indicator:
    defined = validated(Indicator, fields, "indicator")
    if defined.is_ratio and not (defined.numerator and defined.denominator):
        raise InvalidArgument("a ratio names its numerator and its denominator",
                              {"numerator": "required for a ratio",
                               "denominator": "required for a ratio"})
    return defined


@lru_cache
def catalog() -> tuple[Indicator, ...]:
    """The built-in definitions (indicators.yaml), each citing where it comes from."""
    text = resources.files(__package__).joinpath("demo", "indicators.yaml").read_text("utf-8")
    return tuple(indicator(row) for row in yaml.safe_load(text)["indicators"])


# --- periods -----------------------------------------------------------------------------

def period_key(period: periods.Period) -> str:
    """A stable key: "2026", "2026-Q1", "2026-03"."""
    if period.kind == "year":
        return str(period.year)
    if period.kind == "quarter":
        return f"{period.year}-Q{period.number}"
    return f"{period.year}-{period.number:02d}"


def parse_period(text: object) -> periods.Period:
    """A period from its key ("2026-Q1") or its Vietnamese form ("Quý I/2026")."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidArgument("period is required, e.g. '2026-Q1' or 'Quý I/2026'",
                              {"period": "required"})
    plain = text.strip()
    try:
        if len(plain) == 4 and plain.isdigit():
            return periods.Period("year", int(plain))
        year, _, rest = plain.partition("-")
        if year.isdigit() and rest[:1] in ("Q", "q") and rest[1:].isdigit():
            return periods.Period("quarter", int(year), int(rest[1:]))
        if year.isdigit() and rest.isdigit():
            return periods.Period("month", int(year), int(rest))
        found = periods.parse(plain)
    except InvalidArgument as exc:
        raise InvalidArgument(str(exc), {"period": str(exc)}) from None
    if found is None:
        raise InvalidArgument(f"{text!r} names no period", {"period": "no period"})
    return found


def previous(period: periods.Period) -> periods.Period | None:
    """The period just before, of the same kind (Q1/2026 -> Q4/2025); None before the
    first year periods know (a figure of 2000 has no trend)."""
    if period.kind == "year":
        year, number = period.year - 1, 0
    elif period.number == 1:
        year, number = period.year - 1, 4 if period.kind == "quarter" else 12
    else:
        year, number = period.year, period.number - 1
    return periods.Period(period.kind, year, number) if year >= periods.FIRST_YEAR else None


def enclosing(period: periods.Period) -> list[periods.Period]:
    """The longer periods a period lies in, nearest first: a month's quarter and year,
    a quarter's year. A target set for them applies when none is set for the period."""
    if period.kind == "month":
        return [periods.Period("quarter", period.year, (period.number - 1) // 3 + 1),
                periods.Period("year", period.year)]
    if period.kind == "quarter":
        return [periods.Period("year", period.year)]
    return []


def lies_in(period: periods.Period, outer: periods.Period) -> bool:
    """Whether `period` is `outer` or one of the shorter periods inside it."""
    return period == outer or outer in enclosing(period)


def months_of(period: periods.Period) -> list[periods.Period]:
    first = period.first_day.month
    return [periods.Period("month", period.year, m)
            for m in range(first, period.last_day.month + 1)]
