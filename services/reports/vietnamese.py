"""Dates and numbers as Vietnamese documents write them (via babel): 06/12/2026,
10.766 and 99,78%; pure."""
import datetime as dt

from babel.dates import format_date
from babel.numbers import format_decimal

LOCALE = "vi_VN"


def date(day: dt.date) -> str:
    """dd/mm/yyyy: 05/03/2026."""
    return format_date(day, "dd/MM/yyyy", locale=LOCALE)


def dated_place(place: str, day: dt.date) -> str:
    """A document's place and date line: "Bình Lư, ngày 06 tháng 12 năm 2026"."""
    return f"{place}, ngày {day:%d} tháng {day:%m} năm {day.year}"


def number(value: float, decimals: int = 2) -> str:
    """A count or an amount: "." between thousands, "," before decimals, trailing zeros
    dropped (10.766; 99,11; 928)."""
    pattern = "#,##0" + ("." + "#" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=LOCALE)


def percent(value: float, decimals: int = 2) -> str:
    """A percentage already in % (99.78 → "99,78%"), as the reports write it: no space."""
    return number(value, decimals) + "%"


def ratio(numerator: float, denominator: float) -> str:
    """Counts as the reports give them beside a rate: "900/902"."""
    return f"{number(numerator, 0)}/{number(denominator, 0)}"


def duration(seconds: float) -> str:
    """A mean time to acknowledge or resolve: "4 phút 5 giây", "2 giờ 10 phút", "4 phút"
    (no "0 giây")."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} giờ" + (f" {minutes} phút" if minutes else "")
    if minutes:
        return f"{minutes} phút" + (f" {secs} giây" if secs else "")
    return f"{secs} giây"
