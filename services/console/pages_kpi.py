"""The KPI board: a commune's scorecard for a period (value, counts, target, met / at
risk / missed after DHIS2's legend sets, trend), figures entered, submitted and approved
as the kpi service's workflow allows, and a province's communes × indicators."""
import math

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from services.common import clock, errors
from services.directory import tree

from .web import CheckedForm, Me

router = APIRouter()
WRITERS, APPROVERS = ("admin", "officer"), ("admin",)
STATUS_CLASS = {"KPI_STATUS_MET": "met", "KPI_STATUS_AT_RISK": "at-risk",
                "KPI_STATUS_MISSED": "missed", "KPI_STATUS_NO_DATA": "no-data",
                "KPI_STATUS_NO_TARGET": "no-target"}
TREND_ARROW = {"KPI_TREND_IMPROVING": ("↑", "improving"), "KPI_TREND_STEADY": ("→", "steady"),
               "KPI_TREND_WORSENING": ("↓", "worsening"), "KPI_TREND_NO_DATA": ("·", "no data")}
COMPARISON = {"COMPARISON_GREATER": ">", "COMPARISON_GREATER_OR_EQUAL": "≥",
              "COMPARISON_EQUAL": "=", "COMPARISON_LESS_OR_EQUAL": "≤", "COMPARISON_LESS": "<"}
STEPS = ("submit", "approve", "return")
LOOK_BACK = 4  # quarters tried, newest first, for the default period


def _api(commune: str) -> str:
    return f"/api/v1/communes/{commune}/kpi"


def _quarters() -> list[str]:
    now = clock.now()
    year, quarter = now.year, (now.month - 1) // 3 + 1
    found = []
    for _ in range(8):
        found.append(f"{year}-Q{quarter}")
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return found


def _period(request: Request) -> str:
    """The period asked for (the kpi service reads and checks it), or "" for the default."""
    return request.query_params.get("period", "")[:20]


def _report(api, unit: str, period: str, **flags) -> dict:
    params = {"period": period, **{k: "true" for k, v in flags.items() if v}}
    return api.get("kpi", _api(unit) + "/report", params)


def _latest_with_figures(api, unit: str) -> str:
    """The newest quarter with a figure someone entered (the board opens on it; the
    figures derived from tasks exist for every quarter)."""
    quarters = _quarters()
    for period in quarters[:LOOK_BACK]:
        rows = _report(api, unit, period)["rows"]
        if any(r["hasValue"] and r["source"] == "manual" for r in rows):
            return period
    return quarters[0]


@router.get("/c/{commune}/kpi")
def scorecard(request: Request, commune: str, me: Me):
    me.require("kpi", commune)
    with me.client() as api:
        period = _period(request) or _latest_with_figures(api, commune)
        approved = _report(api, commune, period)
        drafts = (_report(api, commune, period, includeDrafts=True)
                  if me.role in WRITERS else approved)
        indicators = api.get("kpi", _api(commune) + "/indicators")["indicators"]
        dossiers = api.get("kpi", _api(commune) + "/dossier-table", {"period": period})
    in_force = {r["indicator"]: r for r in approved["rows"]}
    pending = [r for r in drafts["rows"] if r["hasValue"] and
               (not in_force[r["indicator"]]["hasValue"]
                or r["value"] != in_force[r["indicator"]]["value"])]
    villages = [u for u in tree.units() if u["parent_code"] == commune]
    return me.page("kpi.html", active="kpi", commune=commune, period=period,
                   periods=_quarters(), rows=approved["rows"], pending=pending,
                   indicators=[i for i in indicators if i["source"] == "manual"],
                   villages=villages, dossiers=dossiers.get("fields", []),
                   dossier_total=dossiers.get("total"), status_class=STATUS_CLASS,
                   arrows=TREND_ARROW, comparison=COMPARISON,
                   may_write=me.role in WRITERS, may_approve=me.role in APPROVERS,
                   done=request.query_params.get("done", ""))


def _number(form: dict, name: str) -> float | None:
    text = form.get(name, "").strip().replace(",", ".")
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):  # "nan", "inf" or 1e309 have no JSON to send
        raise errors.InvalidArgument(f"{name}: a number", {name: "invalid"})
    return number


@router.post("/c/{commune}/kpi/measurements")
def enter(request: Request, commune: str, me: Me, form: CheckedForm):
    me.require("kpi", commune)
    body = {"indicator": form.get("indicator", ""), "period": form.get("period", ""),
            "unit": form.get("unit", ""), "sourceDocument": form.get("sourceDocument", ""),
            "reason": form.get("reason", "")}
    for name in ("numerator", "denominator", "value"):
        if (number := _number(form, name)) is not None:
            body[name] = number
    with me.client() as api:
        api.post("kpi", _api(commune) + "/measurements", body)
    return RedirectResponse(f"/c/{commune}/kpi?period={body['period']}&done=saved", 303)


@router.post("/c/{commune}/kpi/measurements/{step}")
def workflow(request: Request, commune: str, step: str, me: Me, form: CheckedForm):
    """Submit, approve or return a figure (the service says who may, and in which
    state)."""
    me.require("kpi", commune)
    if step not in STEPS:
        raise errors.NotFound(f"no step {step!r}")
    body = {"indicator": form.get("indicator", ""), "period": form.get("period", ""),
            "unit": form.get("unit", "")}
    if step == "return":
        body["reason"] = form.get("reason", "")
    with me.client() as api:
        api.post("kpi", f"{_api(commune)}/measurements/{step}", body)
    return RedirectResponse(f"/c/{commune}/kpi?period={body['period']}&done=saved", 303)


@router.get("/c/{commune}/kpi/history")
def history(request: Request, commune: str, me: Me):
    """One figure's revisions: who entered, submitted, approved or returned it, when."""
    me.require("kpi", commune)
    q = request.query_params
    where = {"indicator": q.get("indicator", "")[:64], "period": q.get("period", "")[:20],
             "unit": q.get("unit", "")[:64]}
    with me.client() as api:
        revisions = api.get("kpi", _api(commune) + "/measurements/history",
                            {k: v for k, v in where.items() if v})["revisions"]
    return me.page("kpi_history.html", active="kpi", commune=commune, where=where,
                   revisions=revisions)


@router.get("/p/{province}/kpi")
def province_board(request: Request, province: str, me: Me):
    """Communes × indicators, for a user holding all of the province's communes."""
    me.require("province")
    communes = set(tree.communes_of([province])) if province in _provinces() else set()
    if not communes or not communes <= set(me.communes):
        raise errors.PermissionDenied("not allowed")
    sort = request.query_params.get("sort", "")[:64]
    with me.client() as api:
        period = _period(request) or _latest_with_figures(api, province)
        report = _report(api, province, period, includeCommunes=True)
    shown = [r for r in report["rows"] if r["hasValue"] or
             any(c_row["hasValue"] for c in report["communes"] for c_row in c["rows"]
                 if c_row["indicator"] == r["indicator"])]
    codes = [r["indicator"] for r in shown]
    table = [{"commune": c["commune"],
              "cells": {row["indicator"]: row for row in c["rows"]}} for c in report["communes"]]
    if sort in codes:
        table.sort(key=lambda line: -(line["cells"][sort]["value"]
                                      if line["cells"].get(sort, {}).get("hasValue") else -1))
    else:
        table.sort(key=lambda line: line["commune"])
    return me.page("province.html", active="province", province=province, period=period,
                   periods=_quarters(), columns=shown, table=table, sort=sort,
                   total={r["indicator"]: r for r in report["rows"]},
                   status_class=STATUS_CLASS)


def _provinces() -> set[str]:
    return {u["code"] for u in tree.units() if u["kind"] == "province"}
