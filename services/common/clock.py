"""The one clock of the platform: the current time, timezone-aware in UTC."""
import datetime as dt


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
