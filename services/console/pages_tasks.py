"""The task board: tasks by unit and status with overdue ones marked, monthly-update
compliance against the plan's 90% bar, progress reports, the quarterly review, a plan
imported from Excel (with what became of each row) and the board exported to Excel."""
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from services.common import errors

from . import i18n
from .web import CheckedForm, Me, lang_of

router = APIRouter()
WRITERS = ("admin", "officer")
STATUSES = ("TASK_STATUS_DRAFT", "TASK_STATUS_ASSIGNED", "TASK_STATUS_IN_PROGRESS",
            "TASK_STATUS_DONE", "TASK_STATUS_PAUSED", "TASK_STATUS_STOPPED",
            "TASK_STATUS_REPLACED")
COMPLIANCE_BAR = 0.9  # a ratio, as the tasks API answers the compliance
DECISIONS = ("keep", "adjust_deadline", "stop", "replace")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_WORKBOOK_BYTES = 4 * 2**20  # what the tasks service takes


def _base(commune: str) -> str:
    return f"/api/v1/communes/{commune}"


@router.get("/c/{commune}/tasks")
def task_board(request: Request, commune: str, me: Me):
    me.require("tasks", commune)
    q = request.query_params
    filters = _filters(request)
    with me.client() as api:
        units = api.get("tasks", _base(commune) + "/units")["units"]
        summary = api.get("tasks", _base(commune) + "/task-summary",
                          {"period": filters["period"]} if filters["period"] else None)
        tasks = _all_tasks(api, commune, {k: v for k, v in filters.items() if v})
    unit_names = {u["code"]: u["name"] for u in units}
    by_unit: dict[str, list] = {}
    for task in tasks:
        by_unit.setdefault(task["leadUnit"], []).append(task)
    return me.page("tasks.html", active="tasks", commune=commune, filters=filters,
                   units=units, unit_names=unit_names, summary=summary, by_unit=by_unit,
                   statuses=STATUSES, bar=COMPLIANCE_BAR, may_write=me.role in WRITERS,
                   done=q.get("done", ""), export_query=urlencode(
                       {k: v for k, v in q.items() if k in ("unit", "status", "period",
                                                            "overdue")}))


@router.get("/c/{commune}/tasks/export")
def export_tasks(request: Request, commune: str, me: Me):
    """The board's tasks, as its filters keep them, as the tasks service's workbook."""
    me.require("tasks", commune)
    with me.client() as api:
        workbook = api.raw("tasks", _base(commune) + "/task-workbook",
                           {k: v for k, v in _filters(request).items() if v})
    return Response(workbook.content, media_type=XLSX, headers={
        "Content-Disposition": workbook.headers.get("Content-Disposition", "attachment")})


@router.post("/c/{commune}/tasks/import")
def import_tasks(request: Request, commune: str, me: Me, form: CheckedForm):
    """A workbook uploaded to the tasks service, and its row-by-row report shown."""
    me.require("tasks", commune)
    lang = lang_of(request)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise errors.InvalidArgument(i18n.word(lang, "no_file"), {"file": "missing"})
    if upload.size is not None and upload.size > MAX_WORKBOOK_BYTES:
        raise errors.InvalidArgument(i18n.word(lang, "file_too_large"), {"file": "too large"})
    content = upload.file.read(MAX_WORKBOOK_BYTES + 1)
    if len(content) > MAX_WORKBOOK_BYTES:
        raise errors.InvalidArgument(i18n.word(lang, "file_too_large"), {"file": "too large"})
    with me.client() as api:
        report = api.request("POST", "tasks", _base(commune) + "/task-workbook",
                             content=content, headers={"Content-Type": XLSX})
    return me.page("tasks_import.html", active="tasks", commune=commune, report=report,
                   filename=upload.filename)


def _filters(request: Request) -> dict:
    """The board's filters from its query, as the tasks API names them."""
    q = request.query_params
    return {"leadUnit": q.get("unit", "")[:64],
            "status": q.get("status", "") if q.get("status") in STATUSES else "",
            "period": q.get("period", "")[:40],
            "overdueOnly": "true" if q.get("overdue") else ""}


def _all_tasks(api, commune: str, params: dict) -> list[dict]:
    tasks, token = [], ""
    while True:
        page = api.get("tasks", _base(commune) + "/tasks",
                       {**params, "pageSize": 200, "pageToken": token})
        tasks += page["tasks"]
        token = page.get("nextPageToken", "")
        if not token:
            return tasks


@router.post("/c/{commune}/tasks/{task_id}/progress")
def report_progress(commune: str, task_id: str, me: Me, form: CheckedForm):
    me.require("tasks", commune)
    try:
        percent = int(form.get("percent", ""))
    except ValueError:
        raise errors.InvalidArgument("percent: a whole number 0-100",
                                     {"percent": "invalid"}) from None
    body = {"percent": percent, "note": form.get("note", "")}
    if form.get("evidenceUrl"):
        body["evidence"] = [{"url": form["evidenceUrl"],
                             "description": form.get("evidenceDescription", "")}]
    with me.client() as api:
        api.post("tasks", f"{_base(commune)}/tasks/{quote(task_id, safe='')}/progress", body)
    return RedirectResponse(f"/c/{commune}/tasks?done=saved", 303)


@router.get("/c/{commune}/tasks/review")
def review_page(request: Request, commune: str, me: Me):
    me.require("tasks", commune)
    with me.client() as api:
        flagged = api.get("tasks", _base(commune) + "/task-review")["flagged"]
    return me.page("review.html", active="tasks", commune=commune, flagged=flagged,
                   decisions=DECISIONS, may_write=me.role in WRITERS,
                   done=request.query_params.get("done", ""))


@router.post("/c/{commune}/tasks/{task_id}/review")
def decide(commune: str, task_id: str, me: Me, form: CheckedForm):
    me.require("tasks", commune)
    body = {"decision": form.get("decision", ""), "note": form.get("note", "")}
    if form.get("deadline"):
        body["deadline"] = form["deadline"]
    if body["decision"] == "replace":
        body["replacement"] = {"code": form.get("newCode", ""), "title": form.get("newTitle", ""),
                               "leadUnit": form.get("leadUnit", ""),
                               "deadline": form.get("deadline", "")}
        body.pop("deadline", None)
    with me.client() as api:
        api.post("tasks", f"{_base(commune)}/tasks/{quote(task_id, safe='')}/review", body)
    return RedirectResponse(f"/c/{commune}/tasks/review?done=saved", 303)
