"""Which tasks a list or a summary asks for, and one page of them. Pure, so that the
database (store) and the gRPC process's in-memory read model select the same tasks and
page them in the same order."""
import dataclasses
import datetime as dt
from functools import cached_property

from services.common import paging
from services.common.periods import Period

from .domain import ACTIVE


@dataclasses.dataclass(frozen=True)
class Criteria:
    """A commune's tasks, narrowed by unit, status, group, deadline period; overdue_on
    keeps those overdue on that day (active, with a deadline before it)."""

    tenant: str
    lead_unit: str = ""
    status: str = ""
    group: str = ""
    period: Period | None = None
    overdue_on: dt.date | None = None

    # Worked out once per criteria: matches() runs once per task of a commune.
    @cached_property
    def _statuses(self) -> list[str]:
        if self.overdue_on:
            return [s for s in ACTIVE if not self.status or s == self.status]
        return [self.status] if self.status else []

    @cached_property
    def _deadline(self) -> dict:
        """Bounds on the ISO deadline, as MongoDB operators."""
        bounds = {}
        if self.period:
            bounds.update({"$gte": self.period.first_day.isoformat(),
                           "$lte": self.period.last_day.isoformat()})
        if self.overdue_on:
            bounds["$lt"] = self.overdue_on.isoformat()
        return bounds

    def mongo(self) -> dict:
        query: dict = dict(self._equal)
        if self.overdue_on:
            query["status"] = {"$in": self._statuses}
        elif self.status:
            query["status"] = self.status
        if self._deadline:
            query["deadline"] = self._deadline
        return query

    @cached_property
    def _equal(self) -> tuple[tuple[str, str], ...]:
        return tuple((name, getattr(self, name)) for name in ("tenant", "lead_unit", "group")
                     if getattr(self, name))

    def matches(self, task: dict) -> bool:
        for name, value in self._equal:
            if task.get(name) != value:
                return False
        if (self.overdue_on or self.status) and task["status"] not in self._statuses:
            return False
        deadline = task.get("deadline")
        bounds = self._deadline
        return not bounds or deadline is not None and all(
            _COMPARE[op](deadline, value) for op, value in bounds.items())


_COMPARE = {"$gte": str.__ge__, "$lte": str.__le__, "$lt": str.__lt__}


def _sort_key(task: dict) -> tuple[str, str]:
    # Tasks without a deadline first, as MongoDB sorts a null before any string.
    return task.get("deadline") or "", task["code"]


def page(tasks: list[dict], page_size: int, page_token: str) -> tuple[list[dict], str, int]:
    """One page of the tasks by deadline then code, the next page's token, the total."""
    return paging.page(sorted(tasks, key=_sort_key), page_size, page_token)
