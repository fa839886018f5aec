"""The one clock of the platform: the current time, timezone-aware in UTC, to the
millisecond: what the database keeps of a time (BSON dates), so that a time answered at
once equals the same time read back later."""
import datetime as dt


def to_stored(moment: dt.datetime) -> dt.datetime:
    """`moment` as the database keeps it: microseconds cut to whole milliseconds."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def now() -> dt.datetime:
    return to_stored(dt.datetime.now(dt.UTC))
