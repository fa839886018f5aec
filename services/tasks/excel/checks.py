"""Row checks and what became of each row: the domain's rules, the commune's units and
officers, codes repeated in the file. Pure."""
import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from services.common.errors import FailedPrecondition, InvalidArgument

from .. import domain
from .columns import LABELS
from .reading import SheetRow


@dataclass(frozen=True)
class RowError:
    row: int  # as Excel shows it
    code: str
    fields: dict  # field -> what is wrong, in plain words


# What became of a row: a new task, a stored task changed or left as it was, the row
# refused (and why), or a right row not stored because another was refused.
OUTCOMES = ("created", "updated", "unchanged", "rejected", "not_stored")


@dataclass(frozen=True)
class RowOutcome:
    row: int  # as Excel shows it
    code: str
    outcome: str  # one of OUTCOMES
    problems: dict = field(default_factory=dict)  # field -> what is wrong (rejected only)


@dataclass
class ImportResult:
    imported: int = 0  # new tasks stored
    errors: list[RowError] = field(default_factory=list)
    assigned: int = 0  # of the imported, how many arrived assigned (the others are drafts)
    updated: int = 0  # stored tasks their row changed
    unchanged: int = 0  # stored tasks whose row says what they already are
    ignored_columns: list[str] = field(default_factory=list)  # informative, as written
    rows: list[RowOutcome] = field(default_factory=list)  # every row read, in the file's order

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class Stored:
    """A stored task, and the fields import reads from the row export writes for it."""

    task: dict
    fields: dict


@dataclass(frozen=True)
class Revision:
    """What a row changes in a stored task: the change and its history entry, then the
    assignment when it leaves a draft with a lead unit, owner and deadline."""

    task: dict
    changes: dict
    entry: dict
    assignment: tuple[dict, dict] | None = None


@dataclass
class Plan:
    """What a file's rows do, once every row is right: new tasks and revisions, in the
    file's order, and how many rows change nothing."""

    steps: list[tuple[SheetRow, dict | Revision]] = field(default_factory=list)
    unchanged: int = 0


_PLAIN = [
    (re.compile(r"String should have at least (\d+) characters?"),
     r"too short (at least \1 characters)"),
    (re.compile(r"String should have at most (\d+) characters?"),
     r"too long (at most \1 characters)"),
    (re.compile(r"List should have at most (\d+) items?.*"), r"too many (at most \1)"),
    (re.compile(r"Field required"), "missing"),
]


def plain(name: str, message: str) -> str:
    """A rule's message in plain words."""
    if name == "code" and "pattern" in message:
        return "use letters, digits and . _ / - only, no spaces, at most 64 characters"
    if name == "tenant" and "pattern" in message:
        return "not a commune code"
    for pattern, replacement in _PLAIN:
        if pattern.fullmatch(message):
            return pattern.sub(replacement, message)
    return message


def _field_of(path: str) -> str:
    """The column a rule's field path is about: "coordinating_units.1" ->
    "coordinating_units", "period_text" -> "deadline", "(input)" -> "(row)"."""
    name = path.split(".")[0]
    name = "deadline" if name == "period_text" else name
    return name if name in LABELS else "(row)"


def _add(problems: dict, path: str, message: str, more: bool = True) -> None:
    """Note what is wrong with a field; `more`: also when the field already has a problem
    (several unknown units), otherwise only the first word on it is kept."""
    name = _field_of(path)
    message = plain(name, message)
    if name not in problems:
        problems[name] = message
    elif more and message not in problems[name]:
        problems[name] += f"; {message}"


def check_rows(rows: Sequence[SheetRow], tenant: str, directory: domain.Directory,
               stored: dict[str, Stored], by: str,
               now: dt.datetime) -> tuple[Plan, list[RowError]]:
    """What the rows do (a new task for a new code, a revision of a stored task where its
    row differs from what export writes for it), or what is wrong with each row: the
    domain's rules, the commune's units and officers, a code twice in the file."""
    first_row: dict[str, int] = {}
    plan, errors = Plan(), []
    for row in rows:
        problems: dict = {}
        for path, message in row.problems.items():
            _add(problems, path, message)
        code = row.code
        if code and code in first_row:
            _add(problems, "code", f"{code!r} is also on row {first_row[code]}")
        if code:
            first_row.setdefault(code, row.row)
        fields = {k: v for k, v in row.fields.items() if _field_of(k) not in row.problems}
        try:  # every unknown unit or officer, even when another field is wrong too
            directory.check(fields.get("lead_unit", ""), fields.get("coordinating_units", ()),
                            fields.get("owner", ""))
        except InvalidArgument as exc:
            for path, message in exc.fields.items():
                _add(problems, path, message)
        if code in stored:
            step = None if problems else _revision(stored[code], row, fields, directory, by,
                                                   now, problems)
        else:
            step = _new_task({"tenant": tenant, **fields}, directory, by, now, problems)
        if problems:
            order = list(LABELS)  # the sheet's column order
            errors.append(RowError(row.row, code, dict(sorted(
                problems.items(), key=lambda p: order.index(p[0])))))
        elif step is None:
            plan.unchanged += 1
        else:
            plan.steps.append((row, step))
    return (Plan() if errors else plan), errors


def _new_task(fields: dict, directory: domain.Directory, by: str, now: dt.datetime,
              problems: dict) -> dict | None:
    try:
        return arrive(domain.new_task(fields, by, now, directory), by, now, directory)
    except InvalidArgument as exc:
        for path, message in (exc.fields or {"(row)": str(exc)}).items():
            _add(problems, path, message, more=False)
        return None


def sheet_values(fields: dict, columns: Iterable[str]) -> dict:
    """The task fields a row's columns give, a blank cell as an empty value, the way
    domain.revise takes them (the deadline column gives deadline and period_text)."""
    values: dict = {}
    for column in columns:
        if column == "deadline":
            values.update(deadline=fields.get("deadline"),
                          period_text=fields.get("period_text", ""))
        elif column == "priority":
            values[column] = fields.get(column, "normal")
        elif column == "coordinating_units":
            values[column] = fields.get(column, [])
        elif column != "code":
            values[column] = fields.get(column, "")
    return values


def _revision(stored: Stored, row: SheetRow, fields: dict, directory: domain.Directory,
              by: str, now: dt.datetime, problems: dict) -> Revision | None:
    """The revision a row makes of a stored task; None when it changes nothing."""
    given = sheet_values(fields, row.columns)
    before = sheet_values(stored.fields, row.columns)
    changed = {k: v for k, v in given.items() if v != before[k]}
    if "deadline" in changed or "period_text" in changed:
        changed.update(deadline=given["deadline"], period_text=given["period_text"])
    if not changed:
        return None
    task = stored.task
    try:
        changes, entry = domain.revise(task, changed, by, now, directory)
        revised = {**task, **changes}
        assignment = None
        if task["status"] == "draft" and all(revised[f] for f in ("lead_unit", "owner",
                                                                 "deadline")):
            assignment = domain.assign(revised, by, now, directory)
    except InvalidArgument as exc:
        for path, message in (exc.fields or {"(row)": str(exc)}).items():
            _add(problems, path, message, more=False)
        return None
    except FailedPrecondition as exc:
        _add(problems, "(row)", str(exc))
        return None
    return Revision(task, changes, entry, assignment) if changes else None


def row_outcomes(rows: Sequence[SheetRow], errors: Sequence[RowError], planned: Iterable[int],
                 stored: dict[int, str]) -> list[RowOutcome]:
    """What became of each row, in the file's order: rejected (with what is wrong), as
    `stored` says (row number -> created or updated), not stored when the plan meant to
    store it or the rows were refused (errors and nothing `planned`), else unchanged."""
    problems = {error.row: error.fields for error in errors}
    planned = set(planned)
    refused = bool(problems) and not planned

    def outcome(number: int) -> str:
        if number in problems:
            return "rejected"
        if number in stored:
            return stored[number]
        return "not_stored" if refused or number in planned else "unchanged"
    return [RowOutcome(row.row, row.code, outcome(row.row), problems.get(row.row, {}))
            for row in rows]


def arrive(document: dict, by: str, now: dt.datetime, directory: domain.Directory) -> dict:
    """A new task as it arrives from a plan: assigned when the plan names its lead unit,
    owner and deadline, a draft otherwise."""
    if not (document["lead_unit"] and document["owner"] and document["deadline"]):
        return document
    changes, entry = domain.assign(document, by, now, directory)
    return {**document, **changes, "history": document["history"] + [entry]}


def check_tenant(tenant: str) -> None:
    if not re.fullmatch(domain.TENANT_PATTERN, tenant or ""):
        raise InvalidArgument(f"{tenant!r} is not a commune code", {"tenant": "invalid"})
