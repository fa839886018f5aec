"""The KPI board's drill-down, commune → village and back: one indicator's figures in
each of the commune's villages (value, counts, the legend colour against the commune's
target, trend), and one village's figures with the way back to its commune. The
figures are the kpi service's (its village report); a village that is not the
commune's is not found there."""
from fastapi import APIRouter, Request

from services.common import errors

from .pages_kpi import (
    COMPARISON,
    STATUS_CLASS,
    TREND_ARROW,
    kpi_report,
    latest_with_figures,
    period_asked,
    quarters,
    village_report,
)
from .web import Me

router = APIRouter()
SHOWN = {"status_class": STATUS_CLASS, "arrows": TREND_ARROW, "comparison": COMPARISON}


@router.get("/c/{commune}/kpi/villages")
def by_village(request: Request, commune: str, me: Me):
    """One indicator: the commune's line, then each village's."""
    me.require("kpi", commune)
    indicator = request.query_params.get("indicator", "")[:64]
    if not indicator:
        raise errors.InvalidArgument("indicator: missing", {"indicator": "required"})
    with me.client() as api:
        period = period_asked(request) or latest_with_figures(api, commune)
        villages = village_report(api, commune, period, indicator=indicator)
        line = next(r for r in kpi_report(api, commune, period)["rows"]
                    if r["indicator"] == indicator)
    return me.page("kpi_villages.html", active="kpi", commune=commune, period=period,
                   periods=quarters(), line=line,
                   villages=[(v["village"], v["rows"][0]) for v in villages], **SHOWN)


@router.get("/c/{commune}/kpi/villages/{village}")
def village(request: Request, commune: str, village: str, me: Me):
    """One village: each indicator it can be measured on, back to the commune."""
    me.require("kpi", commune)
    with me.client() as api:
        period = period_asked(request) or latest_with_figures(api, commune)
        [found] = village_report(api, commune, period, village=village[:64])
    return me.page("kpi_village.html", active="kpi", commune=commune, village=village,
                   period=period, periods=quarters(), rows=found["rows"], **SHOWN)
