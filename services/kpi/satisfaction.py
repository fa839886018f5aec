"""Citizens' satisfaction with the assistant, from its feedback events; pure.

Each answer gets at most one feedback (helpful or not); the board keeps one entry per
answer (trace id -> the day it was given and whether it helped), so a copy of an event
changes nothing. The indicator is the share of helpful feedback given in the period."""
import datetime as dt

from commune.v1 import assistant_pb2
from services.common.envelope import Envelope, InvalidEvent
from services.common.periods import Period

from .domain import Figures

INDICATOR = "assistant-satisfaction"


def feedback(event: assistant_pb2.FeedbackGiven, envelope: Envelope) -> dict:
    """What the board keeps of one feedback: the day (UTC) it was given."""
    if not event.trace_id:
        raise InvalidEvent(f"{envelope.type} without a trace id")
    return {"trace": event.trace_id, "helpful": event.helpful,
            "day": envelope.time.astimezone(dt.UTC).date().isoformat()}


def apply(board: dict, given: dict) -> bool:
    """Put a feedback on the board; False when the board already holds that answer's."""
    if given["trace"] in board:
        return False
    board[given["trace"]] = {"day": given["day"], "helpful": given["helpful"]}
    return True


def figures(board: dict, period: Period) -> dict[str, Figures]:
    """Helpful feedback over all feedback given in the period."""
    first, last = period.first_day.isoformat(), period.last_day.isoformat()
    given = [f for f in board.values() if first <= f["day"] <= last]
    return {INDICATOR: Figures.ratio(sum(f["helpful"] for f in given), len(given))}
