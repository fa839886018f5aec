"""Import of a workbook into a commune's tasks (I/O): all rows or none."""
import datetime as dt
import os
from typing import BinaryIO

from services.common.errors import AlreadyExists, InvalidArgument
from services.common.publisher import Publisher

from .. import domain
from ..listing import Criteria
from ..store import TaskStore
from .cells import Names
from .checks import ImportResult, RowError, check_rows, check_tenant
from .columns import IMPORTER
from .reading import BadHeader, read_rows, read_sheet


def import_tasks(store: TaskStore, tenant: str, path: str | os.PathLike | BinaryIO,
                 by: str = IMPORTER, now: dt.datetime | None = None,
                 announce: Publisher | None = None) -> ImportResult:
    """Import a workbook's tasks into a commune: all of them, or none and the report.
    UnreadableFile for a file that cannot be read; InvalidArgument for a bad tenant or an
    officer `by` the commune does not have. With a publisher the new tasks' events go
    out at once (TaskStore.create)."""
    check_tenant(tenant)
    now = now or dt.datetime.now(dt.UTC)
    rows = read_sheet(path)
    directory = store.directory(tenant)
    if by != IMPORTER and by not in directory.officers:
        raise InvalidArgument(f"commune {tenant!r} has no officer {by!r}", {"by": "unknown"})
    names = Names.of(store.units(tenant), store.officers(tenant))
    try:
        _, data = read_rows(rows, names)
    except BadHeader as exc:
        return ImportResult(errors=[RowError(exc.row, "", exc.fields)])
    stored = {t["code"] for t in store.select(Criteria(tenant))}
    documents, errors = check_rows(data, tenant, directory, stored, by, now)
    if errors:
        return ImportResult(errors=errors)
    result = ImportResult()
    for row, document in zip(data, documents, strict=True):
        try:
            store.create(document, *domain.arrival_events(document), announce=announce)
        except AlreadyExists:  # stored by someone else since the check: stop there
            result.errors.append(RowError(row.row, row.code, {
                "code": f"commune {tenant!r} got a task {row.code!r} while importing; "
                        f"{result.imported} rows above it were stored, it and the rows "
                        "below were not"}))
            break
        result.imported += 1
        result.assigned += document["status"] == "assigned"
    return result


