"""A commune's tasks in and out of Excel workbooks (.xlsx), the way commune offices keep
their plans: one row per task under a header row of Vietnamese column names.

Import checks every row first (the domain's rules, the commune's units and officers,
codes repeated in the file or already stored) and stores nothing unless all rows are
right; then each task is stored with the events that announce it, like any other new
task. A row with a lead unit, an owner and a deadline is assigned on arrival (the plan
assigns it), as the demo loader does; any other row stays a draft.

Export writes the tasks ("Nhiệm vụ") and their summary ("Tổng hợp": the commune, each
lead unit, each group) as domain.summaries counts them.

Modules: columns (headers), cells (cell values), reading (the file and its rows), checks
(row checks and the report), importing and exporting (the store). The pure parts take
and return plain values; files and the store are touched only in reading, importing and
exporting."""
from .checks import ImportResult, RowError, format_report
from .columns import IMPORTER
from .exporting import ExportResult, export_tasks
from .importing import import_tasks
from .reading import UnreadableFile

__all__ = ["IMPORTER", "ExportResult", "ImportResult", "RowError", "UnreadableFile",
           "export_tasks", "format_report", "import_tasks"]
