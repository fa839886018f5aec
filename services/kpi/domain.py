"""KPI rules; pure (no I/O).

A measurement is one indicator's figure for one org unit (commune or village) and one
period. Every change is a new revision, never an overwrite: entered -> submitted ->
approved; revising an approved figure needs a reason and starts a new draft while the
approved revision stays what the province sees. Targets compare a value (>, >=, =, <=)
and give met / at risk / missed / no data; the trend compares with the previous period.
Ratios roll up by summing numerators and denominators, never by averaging percentages."""
import datetime as dt
import math
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, model_validator

from commune.v1 import events_pb2
from services.common.envelope import Envelope, InvalidEvent
from services.common.errors import FailedPrecondition, InvalidArgument, validated

from .indicators import Indicator

WRITERS = ("admin", "officer")
# Approving a commune's figures is its leadership's act.
APPROVERS = ("admin",)
READERS = ("admin", "officer", "operator", "province")
_COMPARISON_WORDS = {">": "gt", ">=": "ge", "≥": "ge", "=": "eq", "==": "eq", "<=": "le",
                     "≤": "le", **{k: k for k in ("gt", "ge", "eq", "le")}}


# --- measurements ------------------------------------------------------------------------

class Figure(BaseModel):
    """What a person enters: numerator and denominator for a ratio (or only its percent
    when the source document gives no counts), the value of a count or an amount."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)
    numerator: float | None = Field(None, ge=0)
    denominator: float | None = Field(None, ge=0)
    value: float | None = Field(None, ge=0)
    # Provenance: the document the figure is taken from ("Báo cáo số 12/BC-UBND, mục 4").
    source_document: str = Field("", max_length=500)
    note: str = Field("", max_length=2000)


def figure(definition: Indicator, fields: object) -> dict:
    """What is stored of a figure: num, den, value (value in % for ratios) and its
    source document and note."""
    given = validated(Figure, fields, "measurement")
    return {**_numbers(definition, given), "source_document": given.source_document,
            "note": given.note}


def _numbers(definition: Indicator, given: Figure) -> dict:
    if definition.derived:
        raise InvalidArgument(f"{definition.code} is derived from {definition.source} "
                              "events; it is not entered by hand", {"indicator": "derived"})
    if definition.is_ratio:
        return _ratio_figure(definition, given)
    if given.numerator is not None or given.denominator is not None:
        raise InvalidArgument(f"{definition.code} is a {definition.kind}: give its value",
                              {"value": "required; no numerator or denominator"})
    if given.value is None:
        raise InvalidArgument(f"{definition.code} needs a value", {"value": "required"})
    if definition.kind == "count" and not float(given.value).is_integer():
        raise InvalidArgument("a count is a whole number", {"value": "not whole"})
    return {"num": None, "den": None, "value": _whole(given.value)}


def _ratio_figure(definition: Indicator, given: Figure) -> dict:
    num, den = given.numerator, given.denominator
    if num is None and den is None:
        if given.value is None:
            raise InvalidArgument(f"{definition.code} is a ratio: give numerator and "
                                  "denominator", {"numerator": "required",
                                                  "denominator": "required"})
        if given.value > 100:
            raise InvalidArgument("a percentage is at most 100", {"value": "above 100"})
        return {"num": None, "den": None, "value": given.value}
    if num is None or den is None:
        missing = "numerator" if num is None else "denominator"
        raise InvalidArgument(f"a ratio needs both numerator and denominator; {missing} "
                              "is missing", {missing: "required"})
    if den == 0:
        raise InvalidArgument("the denominator must be above 0", {"denominator": "zero"})
    if num > den:
        raise InvalidArgument(f"numerator {num:g} is larger than denominator {den:g}",
                              {"numerator": "larger than the denominator"})
    if given.value is not None and not math.isclose(given.value, 100 * num / den,
                                                    abs_tol=10 ** -definition.decimals):
        raise InvalidArgument(f"value {given.value:g}% is not {num:g}/{den:g}",
                              {"value": "disagrees with numerator/denominator"})
    return {"num": _whole(num), "den": _whole(den), "value": 100 * num / den}


def _whole(number: float) -> float | int:
    """Counts stay whole numbers in what is stored and shown (900, not 900.0)."""
    return int(number) if float(number).is_integer() else number


def revise(definition: Indicator, current: dict | None, fields: object, by: str,
           now: dt.datetime, reason: str = "") -> dict:
    """The next revision of a measurement when someone enters a figure. Entering over a
    draft replaces the draft (a new revision all the same); over an approved figure it
    needs a reason, and the approved revision stays in force until the new one is
    approved."""
    entered = figure(definition, fields)
    reason = (reason or "").strip()
    if current is not None and current["status"] == "approved" and not reason:
        raise InvalidArgument(f"{definition.code} is approved for this period: a revision "
                              "needs a reason", {"reason": "required after approval"})
    return {**entered, "rev": (current or {}).get("rev", 0) + 1, "status": "entered",
            "by": by, "at": now.isoformat(),
            "action": "entered" if current is None else "revised", "reason": reason}


def summary(revision: dict) -> dict:
    """What a report needs of a revision (the sheet keeps this; the revision document
    keeps the rest: who, when, source, note, reason)."""
    return {k: revision[k] for k in ("rev", "status", "num", "den", "value")}


TRANSITIONS = {"submit": ("entered", "submitted"), "approve": ("submitted", "approved"),
               "return": ("submitted", "entered")}


def move(current: dict | None, action: str, by: str, now: dt.datetime,
         reason: str = "") -> dict:
    """The revision a lifecycle step makes: submit, approve, or return a submitted
    figure to its author (with a reason)."""
    if action not in TRANSITIONS:
        raise InvalidArgument(f"unknown action {action!r}; one of {', '.join(TRANSITIONS)}",
                              {"action": "unknown"})
    if current is None:
        raise FailedPrecondition("nothing has been entered for this indicator, unit and "
                                 "period")
    before, after = TRANSITIONS[action]
    if current["status"] != before:
        raise FailedPrecondition(f"the figure is {current['status']}; {action} needs it "
                                 f"{before}")
    reason = (reason or "").strip()
    if action == "return" and not reason:
        raise InvalidArgument("returning a figure needs a reason", {"reason": "required"})
    return {**current, "rev": current["rev"] + 1, "status": after, "by": by,
            "at": now.isoformat(), "action": action, "reason": reason}


# --- targets -----------------------------------------------------------------------------

class Target(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)
    indicator: str
    unit: str
    period: str
    comparison: str
    value: float = Field(ge=0)
    # Overrides the indicator's at-risk margin.
    margin: float | None = Field(None, ge=0)
    source_document: str = Field("", max_length=500)

    @model_validator(mode="after")
    def _known_comparison(self):
        if self.comparison not in _COMPARISON_WORDS:
            raise ValueError("comparison must be one of >, >=, =, <= (or gt, ge, eq, le)")
        self.comparison = _COMPARISON_WORDS[self.comparison]
        return self


def target(definition: Indicator, fields: object) -> dict:
    given = validated(Target, fields, "target")
    if definition.is_ratio and given.value > 100:
        raise InvalidArgument("a ratio's target is a percentage, at most 100",
                              {"value": "above 100"})
    return {"comparison": given.comparison, "value": given.value, "margin": given.margin,
            "source_document": given.source_document}


def target_moved(old: dict | None, new: dict) -> bool:
    """Whether a target set over `old` can move a line: not when it compares the same way
    with the same value and margin (set again, or only its source document changed)."""
    return old is None or any(old.get(k) != new[k] for k in ("comparison", "value", "margin"))


def status(definition: Indicator, value: float | None, goal: dict | None) -> str:
    """no_target when no target is set (with or without a value); else met / at_risk /
    missed against it, or no_data without a value. Compared as printed (rounded to the
    indicator's decimals)."""
    if goal is None:
        return "no_target"
    if value is None:
        return "no_data"
    shown, wanted = round(value, definition.decimals), goal["value"]
    margin = goal["margin"] if goal.get("margin") is not None else definition.at_risk_margin
    comparison = goal["comparison"]
    met = {"gt": shown > wanted, "ge": shown >= wanted, "eq": shown == wanted,
           "le": shown <= wanted}[comparison]
    if met:
        return "met"
    near = {"gt": shown >= wanted - margin, "ge": shown >= wanted - margin,
            "eq": abs(shown - wanted) <= margin, "le": shown <= wanted + margin}[comparison]
    return "at_risk" if near else "missed"


def trend(definition: Indicator, value: float | None, before: float | None) -> str:
    """improving / steady / worsening against the previous period, as the indicator's
    direction reads it; no_data when either is missing."""
    if value is None or before is None:
        return "no_data"
    change = round(value, definition.decimals) - round(before, definition.decimals)
    if abs(change) < 10 ** -definition.decimals / 2:
        return "steady"
    return "improving" if (change > 0) == (definition.direction == "higher") else "worsening"


# --- roll-up -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Figures:
    """One indicator's figure for an org unit: its value, numerator and denominator (for
    ratios with counts), how many parts it is made of, and the parts without counts."""

    value: float | None
    num: float | None = None
    den: float | None = None
    parts: int = 0
    uncounted: int = 0

    @classmethod
    def of(cls, cell: dict | None) -> "Figures":
        if cell is None:
            return cls(None)
        return cls(cell["value"], cell.get("num"), cell.get("den"), 1)

    @classmethod
    def ratio(cls, num: float, den: float) -> "Figures":
        """A ratio's figure from its counts; no value when there is nothing to divide by."""
        return cls(100 * num / den if den else None, num, den, 1 if den else 0)


def roll_up(definition: Indicator, parts: list[Figures]) -> Figures:
    """The figure of a whole from its parts' figures: ratios sum numerators and
    denominators (a part given only as a percentage cannot be summed: the whole then
    has no value, and says how many such parts it has); counts and amounts sum."""
    present = [p for p in parts if p.value is not None or p.uncounted]
    count = sum(p.parts for p in present)
    if not present or definition.roll_up == "none":
        return Figures(None, parts=count)
    if definition.is_ratio:
        uncounted = sum(p.uncounted if p.value is None else int(p.den is None)
                        for p in present)
        if uncounted:
            return Figures(None, parts=count, uncounted=uncounted)
        num, den = sum(p.num for p in present), sum(p.den for p in present)
        return Figures(100 * num / den if den else None, num, den, count)
    return Figures(sum(p.value for p in present), parts=count)


# --- report rows -------------------------------------------------------------------------

def row(definition: Indicator, unit: str, figures: Figures, goal: dict | None,
        before: Figures) -> dict:
    """One indicator's line of a report for one org unit."""
    shown = None if figures.value is None else round(figures.value, definition.decimals)
    return {"indicator": definition.code, "name_vi": definition.name_vi,
            "name_en": definition.name_en, "kind": definition.kind, "unit": unit,
            "source": definition.source, "value": shown, "numerator": figures.num,
            "denominator": figures.den, "parts": figures.parts,
            "uncounted_parts": figures.uncounted, "target": goal,
            "status": status(definition, figures.value, goal),
            "previous_value": None if before.value is None else
            round(before.value, definition.decimals),
            "trend": trend(definition, figures.value, before.value)}


TARGET_MISSED, TARGET_RECOVERED = "kpi.target_missed", "kpi.target_recovered"


def target_news(before: dict, after: dict) -> str | None:
    """The event an approval or a new target makes of a commune's line (before and after
    it): missed whenever the line is missed after it (the IOC folds repeats into one
    alert), recovered when a missed line no longer is; None otherwise."""
    if after["status"] == "missed":
        return TARGET_MISSED
    if before["status"] == "missed":
        return TARGET_RECOVERED
    return None


# --- facts from other services' events (kept for the slice's count) ----------------------

def created_task_fact(event: events_pb2.TaskCreated, envelope: Envelope) -> dict:
    """What the KPI service keeps of a created task. The envelope's tenant and the
    task's must agree: an event about one commune cannot count for another."""
    task = event.task
    if not task.id:
        raise InvalidEvent("task.created without a task id")
    if task.tenant != envelope.tenant:
        raise InvalidEvent(f"task tenant {task.tenant!r} differs from envelope "
                           f"tenant {envelope.tenant!r}")
    return {"tenant": task.tenant, "task_id": task.id, "code": task.code,
            "created_at": envelope.time, "event_id": envelope.id}
