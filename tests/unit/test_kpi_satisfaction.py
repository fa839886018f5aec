"""The assistant's satisfaction indicator (satisfaction.py): one feedback per answer,
counted in the period it was given."""
import datetime as dt

import pytest

from commune.v1 import assistant_pb2
from services.common.envelope import Envelope, InvalidEvent
from services.common.periods import Period
from services.kpi import satisfaction
from services.kpi import schemas as s
from services.kpi.indicators import catalog


def given(trace: str, helpful: bool, at: dt.datetime) -> dict:
    envelope = Envelope.wrap("assistant.feedback_given", "assistant", "binh-lu",
                             assistant_pb2.FeedbackGiven(trace_id=trace, helpful=helpful),
                             subject=trace)
    envelope = envelope.model_copy(update={"time": at})
    return satisfaction.feedback(assistant_pb2.FeedbackGiven(trace_id=trace,
                                                             helpful=helpful), envelope)


def test_satisfaction_is_helpful_over_all_feedback_of_the_period():
    board = {}
    june, july = dt.datetime(2026, 6, 30, 23, tzinfo=dt.UTC), dt.datetime(2026, 7, 1,
                                                                            tzinfo=dt.UTC)
    rows = [given(f"t{i}", i != 0, june) for i in range(20)] + [given("t-jul", False, july)]
    assert sum(satisfaction.apply(board, r) for r in rows) == 21
    # a copy of an event, or a second feedback on one answer, changes nothing
    assert not satisfaction.apply(board, given("t0", True, july))
    q2 = satisfaction.figures(board, Period("quarter", 2026, 2))[satisfaction.INDICATOR]
    assert (q2.num, q2.den, q2.value) == (19, 20, 95.0)
    year = satisfaction.figures(board, Period("year", 2026))[satisfaction.INDICATOR]
    assert (year.num, year.den) == (19, 21)
    empty = satisfaction.figures(board, Period("quarter", 2026, 1))[satisfaction.INDICATOR]
    assert empty.value is None and empty.den == 0


def test_a_feedback_event_without_its_answer_is_rejected():
    with pytest.raises(InvalidEvent, match="without a trace id"):
        given("", True, dt.datetime(2026, 6, 1, tzinfo=dt.UTC))


def test_the_indicator_is_derived_from_the_assistant():
    [definition] = [i for i in catalog() if i.code == satisfaction.INDICATOR]
    assert definition.source == "assistant" and definition.is_ratio
    assert s.Indicator.model_validate(definition.model_dump()).source == "assistant"
