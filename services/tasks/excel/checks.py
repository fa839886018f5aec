"""Row checks and the row-by-row report: the domain's rules, the commune's units and
officers, codes repeated in the file. Pure."""
import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from services.common.errors import InvalidArgument

from .. import domain
from .columns import LABELS
from .reading import SheetRow


@dataclass(frozen=True)
class RowError:
    row: int  # as Excel shows it
    code: str
    fields: dict  # field -> what is wrong, in plain words


@dataclass
class ImportResult:
    imported: int = 0
    errors: list[RowError] = field(default_factory=list)
    assigned: int = 0  # of the imported, how many arrived assigned (the others are drafts)

    @property
    def ok(self) -> bool:
        return not self.errors


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
               stored_codes: Iterable[str], by: str,
               now: dt.datetime) -> tuple[list[dict], list[RowError]]:
    """The documents to store, or what is wrong with each row: the domain's rules, the
    commune's units and officers, a code twice in the file or already stored."""
    stored_codes = set(stored_codes)
    first_row: dict[str, int] = {}
    documents, errors = [], []
    for row in rows:
        problems: dict = {}
        for path, message in row.problems.items():
            _add(problems, path, message)
        code = row.code
        if code and code in first_row:
            _add(problems, "code", f"{code!r} is also on row {first_row[code]}")
        elif code in stored_codes:
            _add(problems, "code", f"commune {tenant!r} already has a task {code!r}")
        if code:
            first_row.setdefault(code, row.row)
        fields = {"tenant": tenant, **{k: v for k, v in row.fields.items()
                                       if _field_of(k) not in row.problems}}
        try:  # every unknown unit or officer, even when another field is wrong too
            directory.check(fields.get("lead_unit", ""), fields.get("coordinating_units", ()),
                            fields.get("owner", ""))
        except InvalidArgument as exc:
            for path, message in exc.fields.items():
                _add(problems, path, message)
        try:
            document = domain.new_task(fields, by, now, directory)
        except InvalidArgument as exc:
            for path, message in (exc.fields or {"(row)": str(exc)}).items():
                _add(problems, path, message, more=False)
            document = None
        if problems:
            order = list(LABELS)  # the sheet's column order
            errors.append(RowError(row.row, code, dict(sorted(
                problems.items(), key=lambda p: order.index(p[0])))))
        else:
            documents.append(arrive(document, by, now, directory))
    return ([] if errors else documents), errors


def arrive(document: dict, by: str, now: dt.datetime, directory: domain.Directory) -> dict:
    """A new task as it arrives from a plan: assigned when the plan names its lead unit,
    owner and deadline, a draft otherwise."""
    if not (document["lead_unit"] and document["owner"] and document["deadline"]):
        return document
    changes, entry = domain.assign(document, by, now, directory)
    return {**document, **changes, "history": document["history"] + [entry]}


def format_report(errors: Sequence[RowError]) -> str:
    """The row-by-row report, one block per row, each field by its column name."""
    lines = []
    for error in errors:
        lines.append(f"row {error.row}" + (f" ({error.code})" if error.code else "") + ":")
        lines.extend(f"  {LABELS.get(name, name)}: {message}"
                     for name, message in error.fields.items())
    return "\n".join(lines)


def check_tenant(tenant: str) -> None:
    if not re.fullmatch(domain.TENANT_PATTERN, tenant or ""):
        raise InvalidArgument(f"{tenant!r} is not a commune code", {"tenant": "invalid"})
