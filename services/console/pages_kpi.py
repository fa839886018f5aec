"""The KPI board: a commune's scorecard for a period (value, counts, target, met / at
risk / missed after DHIS2's legend sets, trend), figures entered, submitted and approved
as the kpi service's workflow allows, and a province's communes × indicators."""
import math
import re

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from services.common import clock, errors
from services.directory import tree

from .web import CheckedForm, Me, unit_name

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
QUARTERS_SHOWN = 8  # in the period list and in a figure's trend chart
COMMUNE_COLUMN = "commune"  # the province board's first column, sorted by name


def kpi_path(commune: str) -> str:
    return f"/api/v1/communes/{commune}/kpi"


def quarters(year: int | None = None, quarter: int | None = None) -> list[str]:
    """Eight quarters, newest first, from the given one (by default this one)."""
    if year is None or quarter is None:
        now = clock.now()
        year, quarter = now.year, (now.month - 1) // 3 + 1
    found = []
    for _ in range(QUARTERS_SHOWN):
        found.append(f"{year}-Q{quarter}")
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return found


def period_asked(request: Request) -> str:
    """The period asked for (the kpi service reads and checks it), or "" for the default."""
    return request.query_params.get("period", "")[:20]


def kpi_report(api, unit: str, period: str, **flags) -> dict:
    params = {"period": period, **{k: "true" for k, v in flags.items() if v}}
    return api.get("kpi", kpi_path(unit) + "/report", params)


def village_report(api, commune: str, period: str, **only) -> list[dict]:
    """Each of the commune's villages with its lines (the kpi service's village report),
    or only the village or indicator named."""
    return api.get("kpi", kpi_path(commune) + "/village-report",
                   {"period": period, **only})["villages"]


def latest_with_figures(api, unit: str) -> str:
    """The newest quarter with a figure someone entered (the board opens on it; the
    figures derived from tasks exist for every quarter)."""
    recent = quarters()
    for period in recent[:LOOK_BACK]:
        rows = kpi_report(api, unit, period)["rows"]
        if any(r["hasValue"] and r["source"] == "manual" for r in rows):
            return period
    return recent[0]


@router.get("/c/{commune}/kpi")
def scorecard(request: Request, commune: str, me: Me):
    me.require("kpi", commune)
    with me.client() as api:
        period = period_asked(request) or latest_with_figures(api, commune)
        approved = kpi_report(api, commune, period)
        drafts = (kpi_report(api, commune, period, includeDrafts=True)
                  if me.role in WRITERS else approved)
        indicators = api.get("kpi", kpi_path(commune) + "/indicators")["indicators"]
        dossiers = api.get("kpi", kpi_path(commune) + "/dossier-table", {"period": period})
    in_force = {r["indicator"]: r for r in approved["rows"]}
    pending = [r for r in drafts["rows"] if r["hasValue"] and
               (not in_force[r["indicator"]]["hasValue"]
                or r["value"] != in_force[r["indicator"]]["value"])]
    villages = [u for u in tree.units() if u["parent_code"] == commune]
    return me.page("kpi.html", active="kpi", commune=commune, period=period,
                   periods=quarters(), rows=approved["rows"], pending=pending,
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
def enter(commune: str, me: Me, form: CheckedForm):
    me.require("kpi", commune)
    body = {"indicator": form.get("indicator", ""), "period": form.get("period", ""),
            "unit": form.get("unit", ""), "sourceDocument": form.get("sourceDocument", ""),
            "reason": form.get("reason", "")}
    for name in ("numerator", "denominator", "value"):
        if (number := _number(form, name)) is not None:
            body[name] = number
    with me.client() as api:
        api.post("kpi", kpi_path(commune) + "/measurements", body)
    return RedirectResponse(f"/c/{commune}/kpi?period={body['period']}&done=saved", 303)


@router.post("/c/{commune}/kpi/measurements/{step}")
def workflow(commune: str, step: str, me: Me, form: CheckedForm):
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
        api.post("kpi", f"{kpi_path(commune)}/measurements/{step}", body)
    return RedirectResponse(f"/c/{commune}/kpi?period={body['period']}&done=saved", 303)


@router.get("/c/{commune}/kpi/history")
def history(request: Request, commune: str, me: Me):
    """One figure's revisions: who entered, submitted, approved or returned it, when."""
    me.require("kpi", commune)
    q = request.query_params
    where = {"indicator": q.get("indicator", "")[:64], "period": q.get("period", "")[:20],
             "unit": q.get("unit", "")[:64]}
    with me.client() as api:
        revisions = api.get("kpi", kpi_path(commune) + "/measurements/history",
                            {k: v for k, v in where.items() if v})["revisions"]
        trend = _trend(api, commune, where["unit"] or commune, where["indicator"],
                       where["period"])
    return me.page("kpi_history.html", active="kpi", commune=commune, where=where,
                   revisions=revisions, trend=trend)


def _trend(api, commune: str, unit: str, indicator: str, period: str) -> list[dict]:
    """The indicator's approved value and its target in the quarters up to the period,
    oldest first (the history page's chart), for the commune or one of its villages;
    none unless the period is a quarter."""
    found = re.fullmatch(r"(\d{4})-Q([1-4])", period)
    if not found:
        return []
    series = []
    for quarter in reversed(quarters(int(found[1]), int(found[2]))):
        rows = (kpi_report(api, commune, quarter)["rows"] if unit == commune else
                village_report(api, commune, quarter, indicator=indicator,
                               village=unit)[0]["rows"])
        row = next((r for r in rows if r["indicator"] == indicator), None)
        if row is None:  # not an indicator of this unit
            return []
        series.append({"period": quarter, "value": row["value"] if row["hasValue"] else None,
                       "target": row["target"]["value"] if row.get("target") else None})
    return series


@router.get("/p/{province}/kpi")
def province_board(request: Request, province: str, me: Me):
    """Communes × indicators, for a user holding all of the province's communes."""
    me.require("province")
    communes = set(tree.communes_of([province])) if province in _provinces() else set()
    if not communes or not communes <= set(me.communes):
        raise errors.PermissionDenied("not allowed")
    sort = request.query_params.get("sort", "")[:64]
    descending = request.query_params.get("dir", "") == "desc"
    with me.client() as api:
        period = period_asked(request) or latest_with_figures(api, province)
        report = kpi_report(api, province, period, includeCommunes=True)
    shown = [r for r in report["rows"] if r["hasValue"] or
             any(c_row["hasValue"] for c in report["communes"] for c_row in c["rows"]
                 if c_row["indicator"] == r["indicator"])]
    codes = [r["indicator"] for r in shown]
    table = [{"commune": c["commune"],
              "cells": {row["indicator"]: row for row in c["rows"]}} for c in report["communes"]]
    sort = sort if sort in codes else COMMUNE_COLUMN
    return me.page("province.html", active="province", province=province, period=period,
                   periods=quarters(), columns=shown,
                   table=sorted_table(table, sort, descending), sort=sort,
                   descending=descending, first=COMMUNE_COLUMN,
                   total={r["indicator"]: r for r in report["rows"]},
                   status_class=STATUS_CLASS)


def sorted_table(table: list[dict], column: str, descending: bool) -> list[dict]:
    """The province's lines by the commune's name (COMMUNE_COLUMN) or by an indicator's
    value, either way round; a commune without a value for it comes last both ways."""
    if column == COMMUNE_COLUMN:
        return sorted(table, key=lambda line: unit_name(line["commune"]).casefold(),
                      reverse=descending)
    valued = [line for line in table if line["cells"].get(column, {}).get("hasValue")]
    rest = [line for line in table if line not in valued]
    return sorted(valued, key=lambda line: line["cells"][column]["value"],
                  reverse=descending) + rest


def _provinces() -> set[str]:
    return {u["code"] for u in tree.units() if u["kind"] == "province"}
