"""Public-service statistics from dossier events (hồ sơ thủ tục hành chính); pure.

A dossier is received (in a field, online or not, with a due date), then resolved on a
day or withdrawn. For a period the table counts, per field and in total, as the
commune's quarterly report does: received (new ones and those carried over unresolved
from before), online (of the new ones), resolved early or on time, resolved late, in
progress at the end of the period (on time or overdue), withdrawn."""
import datetime as dt
from collections import defaultdict

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.common.errors import FailedPrecondition, InvalidArgument, validated
from services.common.periods import Period

from .domain import Figures

COLUMNS = ("received", "carried_over", "online", "resolved", "on_time", "late",
           "in_progress", "in_progress_overdue", "withdrawn")


class DossierEvent(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    code: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")
    kind: str = Field(pattern="^(received|resolved|withdrawn)$")
    date: dt.date
    # For "received" only.
    field: str = Field("", max_length=100)
    online: bool = False
    due: dt.date | None = None

    @model_validator(mode="after")
    def _received_says_where_and_when(self):
        if self.kind == "received":
            if not self.field or self.due is None:
                raise ValueError("a received dossier needs its field and due date")
            if self.due < self.date:
                raise ValueError("due date is before the day it was received")
        return self


def dossier_event(fields: object) -> DossierEvent:
    return validated(DossierEvent, fields, "dossier event")


def apply(register: dict, event: DossierEvent) -> bool:
    """Change the register (dossier code -> state) by one event; False when the register
    already holds it (the same event again), an error when it contradicts it."""
    known = register.get(event.code)
    if event.kind == "received":
        state = {"field": event.field, "received": event.date.isoformat(),
                 "online": event.online, "due": event.due.isoformat(),
                 "resolved": "", "withdrawn": ""}
        if known is not None and {**known, "resolved": "", "withdrawn": ""} == state:
            return False
        if known is not None:
            raise FailedPrecondition(f"dossier {event.code!r} was received before, "
                                     "differently")
        register[event.code] = state
        return True
    if known is None:
        raise FailedPrecondition(f"dossier {event.code!r} was never received")
    if known[event.kind] == event.date.isoformat():
        return False
    if known["resolved"] or known["withdrawn"]:
        raise FailedPrecondition(f"dossier {event.code!r} is already closed")
    if event.date.isoformat() < known["received"]:
        raise InvalidArgument(f"dossier {event.code!r} cannot be {event.kind} before it "
                              "was received", {"date": "before received"})
    register[event.code] = {**known, event.kind: event.date.isoformat()}
    return True


def table(register: dict, period: Period) -> dict:
    """Rows per field (sorted) and the total, each with COLUMNS."""
    first, last = period.first_day.isoformat(), period.last_day.isoformat()
    rows: dict[str, dict] = defaultdict(lambda: dict.fromkeys(COLUMNS, 0))
    for dossier in register.values():
        closed = dossier["resolved"] or dossier["withdrawn"]
        if dossier["received"] > last or (closed and closed < first):
            continue
        row = rows[dossier["field"]]
        row["received"] += 1
        if dossier["received"] < first:
            row["carried_over"] += 1
        elif dossier["online"]:
            row["online"] += 1
        if dossier["resolved"] and dossier["resolved"] <= last:
            row["resolved"] += 1
            row["on_time" if dossier["resolved"] <= dossier["due"] else "late"] += 1
        elif dossier["withdrawn"] and dossier["withdrawn"] <= last:
            row["withdrawn"] += 1
        else:
            row["in_progress"] += 1
            row["in_progress_overdue"] += dossier["due"] < last
    total = {c: sum(r[c] for r in rows.values()) for c in COLUMNS}
    return {"fields": [{"field": f, **r} for f, r in sorted(rows.items())], "total": total}


def figures(register: dict, period: Period) -> dict[str, Figures]:
    """The dossier-derived indicators: online rate (online / newly received), on-time
    rate (resolved early or on time / resolved), dossiers received."""
    total = table(register, period)["total"]
    new = total["received"] - total["carried_over"]
    return {"dossier-online-rate": Figures.ratio(total["online"], new),
            "dossier-on-time-rate": Figures.ratio(total["on_time"], total["resolved"]),
            "dossiers-received": Figures(total["received"] if total["received"] else None,
                                         parts=1 if total["received"] else 0)}

