"""Task documents with a past, for tests of what a task was on a given day: each change
the domain makes is applied as TaskStore.apply stores it (fields set, lists pushed, the
history entry appended), at the time the test gives."""
import datetime as dt
from collections.abc import Callable

from services.tasks import domain

# A change: (task, time) -> what a domain function returns, (changes, entry[, ...]).
Change = Callable[[dict, dt.datetime], tuple]


def after(task: dict, change: tuple) -> dict:
    """`task` after a domain change: (changes, entry) or (changes, entry, successor)."""
    changes, entry = dict(change[0]), change[1]
    pushed = changes.pop("_push", {})
    task = {**task, **changes, "history": task["history"] + [entry]}
    for name, value in pushed.items():
        task[name] = task[name] + (value if isinstance(value, list) else [value])
    return task


def lived(fields: dict, created: dt.datetime, directory: domain.Directory,
          *steps: tuple[dt.datetime, Change]) -> dict:
    """A task created at `created`, then changed at each step's time."""
    task = domain.new_task(fields, "officer-1", created, directory)
    for at, change in steps:
        task = after(task, change(task, at))
    return task


def assign(by: str, directory: domain.Directory) -> Change:
    return lambda task, at: domain.assign(task, by, at, directory)


def progress(by: str, percent: int) -> Change:
    return lambda task, at: domain.report_progress(task, {"percent": percent}, by, at)


def status(by: str, target: str) -> Change:
    return lambda task, at: domain.change_status(task, target, by, at)


def review(by: str, directory: domain.Directory, **decision) -> Change:
    return lambda task, at: domain.decide(task, domain.review_decision(decision), by, at,
                                          directory)
