import datetime as dt

import pytest

from services.common.errors import InvalidArgument
from services.common.periods import Period, parse


@pytest.mark.parametrize("text, period", [
    ("Quý III/2026", Period("quarter", 2026, 3)),
    ("Quý 3/2026", Period("quarter", 2026, 3)),
    ("quy III nam 2026", Period("quarter", 2026, 3)),
    ("Q4/2026", Period("quarter", 2026, 4)),
    ("Tháng 6/2026", Period("month", 2026, 6)),
    ("tháng 06/2026", Period("month", 2026, 6)),
    ("Trong năm 2026", Period("year", 2026)),
    ("Năm 2025", Period("year", 2025)),
])
def test_plan_wording_is_read(text, period):
    assert parse(text) == period


@pytest.mark.parametrize("text", ["Thường xuyên", "Hằng năm", ""])
def test_ongoing_wording_names_no_period(text):
    assert parse(text) is None


@pytest.mark.parametrize("text, message", [
    ("Quý V/2026", "no such quarter"),
    ("Tháng 13/2026", "no such period"),
    ("sớm nhất có thể", "cannot read a period"),
])
def test_anything_else_is_refused_clearly(text, message):
    with pytest.raises(InvalidArgument, match=message):
        parse(text)


def test_bounds_and_labels():
    q3 = Period("quarter", 2026, 3)
    assert (q3.first_day, q3.last_day) == (dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    assert q3.label() == "Quý III/2026"
    assert Period("month", 2028, 2).last_day == dt.date(2028, 2, 29)
    assert q3.contains(dt.date(2026, 9, 30)) and not q3.contains(dt.date(2026, 10, 1))


def test_a_period_runs_from_midnight_to_midnight_on_the_communes_calendar():
    start, end = Period("quarter", 2026, 4).span()
    assert (start.isoformat(), end.isoformat()) == ("2026-10-01T00:00:00+07:00",
                                                    "2027-01-01T00:00:00+07:00")
    # 17:00 UTC on the last day is already the next day in Vietnam
    assert end == dt.datetime(2026, 12, 31, 17, 0, tzinfo=dt.UTC)
    assert Period("year", 2026).span(dt.UTC)[1] == dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
