"""Import of a workbook into a commune's tasks (I/O): all rows or none; new codes are
new tasks, rows of stored tasks revise them."""
import datetime as dt
import os
from typing import BinaryIO

from commune.v1 import events_pb2
from services.common.errors import AlreadyExists, FailedPrecondition
from services.common.publisher import Publisher

from .. import domain
from ..listing import Criteria
from ..store import TaskStore
from .cells import Names
from .checks import (
    ImportResult,
    Revision,
    RowError,
    RowOutcome,
    Stored,
    check_rows,
    check_tenant,
    row_outcomes,
)
from .columns import EXPORTED, IMPORTER, informative
from .exporting import Labels, plan_cells
from .reading import BadHeader, read_row, read_rows, read_sheet


def import_tasks(store: TaskStore, tenant: str, source: str | os.PathLike | BinaryIO,
                 by: str = IMPORTER, now: dt.datetime | None = None,
                 announce: Publisher | None = None) -> ImportResult:
    """Import a workbook's tasks into a commune: all of its rows, or none and the report.
    A row with a new code is a new task; a row of a stored task changes it where the row
    differs from what export writes for it; `by` is recorded as who did it. The result
    says what became of every row. UnreadableFile for a file that cannot be read;
    InvalidArgument for a bad tenant. With a publisher the events go out at once (else
    the tasks worker's relay sends them)."""
    check_tenant(tenant)
    now = now or dt.datetime.now(dt.UTC)
    rows = read_sheet(source)
    directory = store.directory(tenant)
    units, officers = store.units(tenant), store.officers(tenant)
    names, labels = Names.of(units, officers), Labels.of(units, officers)
    try:
        header, data = read_rows(rows, names)
    except BadHeader as exc:
        error = RowError(exc.row, "", exc.fields)
        return ImportResult(errors=[error], rows=[RowOutcome(exc.row, "", "rejected",
                                                             exc.fields)])
    ignored = informative(dict(rows)[header])
    in_file = {row.code for row in data}
    stored = {t["code"]: Stored(t, read_row(0, plan_cells(t, labels), EXPORTED, names).fields)
              for t in store.select(Criteria(tenant)) if t["code"] in in_file}
    plan, errors = check_rows(data, tenant, directory, stored, by, now)
    result = ImportResult(errors=errors, unchanged=plan.unchanged, ignored_columns=ignored)
    done: dict[int, str] = {}  # row number -> created or updated
    for row, step in plan.steps:
        try:
            if isinstance(step, Revision):
                result.assigned += _revise(store, step, now, announce)
                result.updated += 1
                done[row.row] = "updated"
            else:
                store.create(step, *domain.arrival_events(step), announce=announce)
                result.imported += 1
                result.assigned += step["status"] == "assigned"
                done[row.row] = "created"
        except (AlreadyExists, FailedPrecondition):  # someone else was quicker: stop there
            done = result.imported + result.updated
            result.errors.append(RowError(row.row, row.code, {
                "code": f"task {row.code!r} of commune {tenant!r} was stored or changed by "
                        f"someone else while importing; {done} rows above it were stored, "
                        "it and the rows below were not"}))
            break
    result.rows = row_outcomes(data, result.errors, (row.row for row, _ in plan.steps), done)
    return result


def _revise(store: TaskStore, revision: Revision, now: dt.datetime,
            announce: Publisher | None) -> bool:
    """Store a revision (task.updated) and the assignment it makes (task.assigned);
    whether it assigned the task."""
    task = revision.task
    preview = {**task, **revision.changes}
    event = domain.updated_event(preview, revision.entry["fields"])
    task = store.apply(task, revision.changes, revision.entry, now, event, announce=announce)
    if revision.assignment is not None:
        changes, entry = revision.assignment
        preview = {**task, **changes}
        assigned = domain.event("task.assigned", preview,
                                events_pb2.TaskAssigned(task=domain.task_message(preview)))
        store.apply(task, changes, entry, now, assigned, announce=announce)
    return revision.assignment is not None
