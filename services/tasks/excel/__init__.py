"""A commune's tasks in and out of Excel workbooks (.xlsx), the way commune offices keep
their plans: one row per task under a header row of Vietnamese column names.

Export writes the tasks ("Nhiệm vụ") and their summary ("Tổng hợp": the commune, each
lead unit, each group) as domain.summaries counts them. The task sheet has the columns
import reads, then informative ones (status, progress, overdue, last update).

Import reads such a sheet back: an exported plan edited in Excel, or a plan of the
commune's own. Informative columns are ignored and the result says which. It checks
every row first (the domain's rules, the commune's units and officers, codes repeated in
the file) and stores nothing unless all rows are right; then a row with a new code is a
new task, stored with the events that announce it, and a row of a stored task changes
that task where the row differs from what export writes for it (nothing when it does
not). A row with a lead unit, an owner and a deadline leaves a new or draft task
assigned (the plan assigns it), as the demo loader does; any other new row stays a
draft. Once assigned, a task's lead unit, owner and deadline change only through the
quarterly review, and a closed task not at all (domain.revise): such a row is an error.

The result says what became of every row (created, updated, unchanged, rejected and
why, or not stored because another row was rejected). A formula in a column import reads
is refused (the value must be typed), and so is a workbook larger than it should be.
The tasks application (app.py) runs both for every door: HTTP (upload and download) and
the `commune tasks` command.

Modules: columns (headers), cells (cell values), reading (the file and its rows), checks
(row checks and the report), importing and exporting (the store). The pure parts take
and return plain values; files and the store are touched only in reading, importing and
exporting."""
from .checks import OUTCOMES, ImportResult, RowError, RowOutcome
from .columns import IMPORTER, LABELS
from .exporting import Export, export_tasks, filename, save
from .importing import import_tasks
from .reading import MAX_ROWS, UnreadableFile

__all__ = ["IMPORTER", "LABELS", "MAX_ROWS", "OUTCOMES", "Export", "ImportResult", "RowError",
           "RowOutcome", "UnreadableFile", "export_tasks", "filename", "import_tasks", "save"]
