"""Between the KPI service's dicts and the commune.v1 messages; pure."""
from commune.v1 import common_pb2, kpi_pb2
from services.common.periods import Period

from .indicators import parse_period

COMPARISONS = {"gt": kpi_pb2.COMPARISON_GREATER, "ge": kpi_pb2.COMPARISON_GREATER_OR_EQUAL,
               "eq": kpi_pb2.COMPARISON_EQUAL, "le": kpi_pb2.COMPARISON_LESS_OR_EQUAL}
STATUSES = {"met": kpi_pb2.KPI_STATUS_MET, "at_risk": kpi_pb2.KPI_STATUS_AT_RISK,
            "missed": kpi_pb2.KPI_STATUS_MISSED, "no_data": kpi_pb2.KPI_STATUS_NO_DATA,
            "no_target": kpi_pb2.KPI_STATUS_NO_TARGET}
TRENDS = {"improving": kpi_pb2.KPI_TREND_IMPROVING, "steady": kpi_pb2.KPI_TREND_STEADY,
          "worsening": kpi_pb2.KPI_TREND_WORSENING, "no_data": kpi_pb2.KPI_TREND_NO_DATA}
KINDS = {"ratio": kpi_pb2.INDICATOR_KIND_RATIO, "count": kpi_pb2.INDICATOR_KIND_COUNT,
         "amount": kpi_pb2.INDICATOR_KIND_AMOUNT}


def period_message(period: Period) -> common_pb2.Period:
    return common_pb2.Period(kind=common_pb2.PeriodKind.Value(f"PERIOD_KIND_{period.kind.upper()}"),
                             year=period.year, number=period.number)


def period_of(message: common_pb2.Period) -> Period | None:
    if message.kind == common_pb2.PERIOD_KIND_UNSPECIFIED:
        return None
    kind = common_pb2.PeriodKind.Name(message.kind).removeprefix("PERIOD_KIND_").lower()
    return Period(kind, message.year, message.number)


def row_message(row: dict) -> kpi_pb2.IndicatorRow:
    message = kpi_pb2.IndicatorRow(
        indicator=row["indicator"], name_vi=row["name_vi"], name_en=row["name_en"],
        kind=KINDS[row["kind"]], unit=row["unit"], source=row["source"],
        has_value=row["value"] is not None, value=row["value"] or 0,
        has_counts=row["denominator"] is not None, numerator=row["numerator"] or 0,
        denominator=row["denominator"] or 0, parts=row["parts"],
        uncounted_parts=row["uncounted_parts"], status=STATUSES[row["status"]],
        has_previous_value=row["previous_value"] is not None,
        previous_value=row["previous_value"] or 0, trend=TRENDS[row["trend"]])
    if row["target"]:
        message.target.CopyFrom(kpi_pb2.KpiTarget(
            comparison=COMPARISONS[row["target"]["comparison"]], value=row["target"]["value"],
            period=period_message(parse_period(row["target"]["period"]))))
    return message


def report_message(unit: str, kind: str, period: Period, report: dict) -> kpi_pb2.GetReportResponse:
    """The report of a commune or a province (reading.Reports.report) as the contract's
    message."""
    return kpi_pb2.GetReportResponse(
        unit=unit, period=period_message(period),
        kind=common_pb2.OrgUnitKind.Value(f"ORG_UNIT_KIND_{kind.upper()}"),
        rows=[row_message(r) for r in report["rows"]],
        communes=[kpi_pb2.CommuneReport(commune=c["unit"],
                                        rows=[row_message(r) for r in c["rows"]])
                  for c in report["communes"]])
