"""KPI rules: figures and their validation, the approval lifecycle, status against
targets, trend, roll-up (sums, never averages of percentages), reports."""
import datetime as dt

import pytest

from services.common.errors import FailedPrecondition, InvalidArgument
from services.common.periods import Period
from services.kpi import domain, indicators, report
from services.kpi.domain import Figures
from services.kpi.indicators import period_key
from services.kpi.keys import cell_key, sheet_id
from services.kpi.orgtree import OrgTree

NOW = dt.datetime(2026, 3, 31, 9, 0, tzinfo=dt.UTC)
Q1 = Period("quarter", 2026, 1)
DEFS = {d.code: d for d in indicators.catalog()}
ONLINE = DEFS["online-dossiers"]
EHEALTH = DEFS["e-health-records"]
FILED = DEFS["dossiers-filed"]


def entered(definition, fields, current=None, reason=""):
    return domain.revise(definition, current, fields, "officer", NOW, reason)


def approved(definition, fields):
    revision = entered(definition, fields)
    for action in ("submit", "approve"):
        revision = domain.move(revision, action, "chair", NOW)
    return revision


# --- figures ---------------------------------------------------------------------------

def test_the_reports_figures_come_out_as_printed():
    cases = [(ONLINE, 900, 902, 99.78), (ONLINE, 136, 136, 100.0),
             (EHEALTH, 10766, 11154, 96.5), (DEFS["party-member-records"], 402, 718, 55.99)]
    for definition, num, den, printed in cases:
        revision = entered(definition, {"numerator": num, "denominator": den})
        row = domain.row(definition, "x", Figures.of(revision), None, Figures(None))
        assert (row["value"], row["numerator"], row["denominator"]) == (printed, num, den)


@pytest.mark.parametrize("fields, field", [
    ({"numerator": 903, "denominator": 902}, "numerator"),
    ({"numerator": -1, "denominator": 902}, "numerator"),
    ({"numerator": 5, "denominator": 0}, "denominator"),
    ({"numerator": 5}, "denominator"),
    ({"value": 120}, "value"),
    ({"numerator": 900, "denominator": 902, "value": 90}, "value"),
    ({"numerator": 900, "denominator": 902, "colour": "red"}, "colour"),
    # JSON bodies may carry Infinity and NaN (Python's json reads them).
    ({"numerator": float("inf"), "denominator": float("inf")}, "numerator"),
    ({"value": float("nan")}, "value"),
])
def test_bad_ratio_figures_are_refused_naming_the_field(fields, field):
    with pytest.raises(InvalidArgument) as refused:
        entered(ONLINE, fields)
    assert field in refused.value.fields


def test_counts_are_whole_and_not_negative_and_derived_ones_are_not_entered():
    with pytest.raises(InvalidArgument):
        entered(FILED, {"value": 9.5})
    with pytest.raises(InvalidArgument):
        entered(FILED, {"value": -3})
    with pytest.raises(InvalidArgument):
        entered(FILED, {"numerator": 1, "denominator": 2})
    assert entered(FILED, {"value": 928})["value"] == 928
    with pytest.raises(InvalidArgument, match="derived"):
        entered(DEFS["task-completion-rate"], {"numerator": 1, "denominator": 2})


def test_a_ratio_without_counts_keeps_its_percentage():
    revision = entered(DEFS["data-reuse"], {"value": 97.34})
    assert (revision["num"], revision["den"], revision["value"]) == (None, None, 97.34)


# --- lifecycle -------------------------------------------------------------------------

def test_entered_submitted_approved_each_a_new_revision():
    first = entered(ONLINE, {"numerator": 900, "denominator": 902})
    submitted = domain.move(first, "submit", "officer", NOW)
    done = domain.move(submitted, "approve", "chair", NOW)
    assert [r["rev"] for r in (first, submitted, done)] == [1, 2, 3]
    assert [r["status"] for r in (first, submitted, done)] == ["entered", "submitted",
                                                               "approved"]
    assert done["by"] == "chair" and done["num"] == 900


def test_lifecycle_steps_out_of_order_are_refused():
    first = entered(ONLINE, {"numerator": 900, "denominator": 902})
    with pytest.raises(FailedPrecondition):
        domain.move(first, "approve", "chair", NOW)
    with pytest.raises(FailedPrecondition):
        domain.move(None, "submit", "officer", NOW)
    submitted = domain.move(first, "submit", "officer", NOW)
    with pytest.raises(InvalidArgument, match="reason"):
        domain.move(submitted, "return", "chair", NOW)
    assert domain.move(submitted, "return", "chair", NOW, "sai số liệu")["status"] == "entered"


def test_revising_an_approved_figure_needs_a_reason_and_starts_a_draft():
    done = approved(ONLINE, {"numerator": 900, "denominator": 902})
    with pytest.raises(InvalidArgument, match="reason"):
        entered(ONLINE, {"numerator": 901, "denominator": 902}, done)
    revised = entered(ONLINE, {"numerator": 901, "denominator": 902}, done,
                      reason="Sở đối chiếu lại")
    assert (revised["rev"], revised["status"], revised["reason"]) == (4, "entered",
                                                                      "Sở đối chiếu lại")


# --- status and trend ------------------------------------------------------------------

def goal(comparison, value, margin=None):
    return {"comparison": comparison, "value": value, "margin": margin}


@pytest.mark.parametrize("value, target, expected", [
    (99.78, goal("gt", 90), "met"),
    (90.0, goal("gt", 90), "at_risk"),       # not above 90, but within 5 points
    (90.0, goal("ge", 90), "met"),
    (86.0, goal("ge", 90), "at_risk"),
    (84.9, goal("ge", 90), "missed"),
    (84.9, goal("ge", 90, margin=10), "at_risk"),
    (100.0, goal("eq", 100), "met"),
    (96.5, goal("eq", 100), "at_risk"),
    (3.0, goal("le", 2), "at_risk"),
    (8.0, goal("le", 2), "missed"),
    (None, goal("gt", 90), "no_data"),
    (50.0, None, "no_target"),
    (None, None, "no_target"),     # no_data is only for a target without a figure
])
def test_status_against_the_target(value, target, expected):
    assert domain.status(ONLINE, value, target) == expected


def test_every_status_of_a_row_has_its_own_state_in_the_contract():
    from commune.v1 import kpi_pb2
    from services.kpi import protos
    blank = report.UnitData("a", {})
    [row] = report.commune_report([ONLINE], blank, Q1)
    assert protos.row_message(row).status == kpi_pb2.KPI_STATUS_NO_TARGET
    assert kpi_pb2.KPI_STATUS_UNSPECIFIED not in protos.STATUSES.values()


def test_status_compares_the_printed_value():
    # 89.996 prints as 90.00: it meets ">= 90" as the province reads it
    assert domain.status(ONLINE, 89.996, goal("ge", 90)) == "met"


@pytest.mark.parametrize("before, after, news", [
    ("met", "missed", "kpi.target_missed"),
    ("", "missed", "kpi.target_missed"),           # the first approval misses
    ("missed", "missed", "kpi.target_missed"),     # a revision still misses: told again
    ("missed", "at_risk", "kpi.target_recovered"),
    ("missed", "met", "kpi.target_recovered"),
    ("at_risk", "met", None),
    ("met", "at_risk", None),
    ("", "", None),                                # no target: nothing to tell
])
def test_an_approval_tells_of_a_missed_target_and_of_its_recovery(before, after, news):
    assert domain.target_news({"status": before}, {"status": after}) == news


def test_targets_accept_symbols_and_refuse_nonsense():
    assert domain.target(ONLINE, {"indicator": "x", "unit": "u", "period": "2026",
                                  "comparison": "≥", "value": 80})["comparison"] == "ge"
    with pytest.raises(InvalidArgument):
        domain.target(ONLINE, {"indicator": "x", "unit": "u", "period": "2026",
                               "comparison": "about", "value": 80})
    with pytest.raises(InvalidArgument):
        domain.target(ONLINE, {"indicator": "x", "unit": "u", "period": "2026",
                               "comparison": ">", "value": 180})


def test_trend_reads_the_direction():
    lower = ONLINE.model_copy(update={"direction": "lower"})
    assert domain.trend(ONLINE, 99.78, 95.0) == "improving"
    assert domain.trend(lower, 99.78, 95.0) == "worsening"
    assert domain.trend(ONLINE, 95.001, 95.0) == "steady"
    assert domain.trend(ONLINE, 95.0, None) == "no_data"


def test_previous_and_enclosing_periods():
    assert indicators.previous(Q1) == Period("quarter", 2025, 4)
    assert indicators.previous(Period("month", 2026, 1)) == Period("month", 2025, 12)
    assert indicators.enclosing(Period("month", 2026, 5)) == [Period("quarter", 2026, 2),
                                                              Period("year", 2026)]
    assert indicators.parse_period("Quý I/2026") == Q1 == indicators.parse_period("2026-Q1")
    with pytest.raises(InvalidArgument):
        indicators.parse_period("2026-Q5")
    with pytest.raises(InvalidArgument):
        indicators.parse_period("2026-13")


# --- roll-up ---------------------------------------------------------------------------

def test_ratios_roll_up_by_summing_counts_not_by_averaging_percentages():
    big = Figures.of(entered(ONLINE, {"numerator": 900, "denominator": 902}))
    small = Figures.of(entered(ONLINE, {"numerator": 1, "denominator": 10}))
    whole = domain.roll_up(ONLINE, [big, small])
    assert (whole.num, whole.den, whole.parts) == (901, 912, 2)
    assert round(whole.value, 2) == 98.79
    # not the average of 99.78% and 10%
    assert round(whole.value, 2) != round((100 * 900 / 902 + 100 * 1 / 10) / 2, 2)


def test_roll_up_of_counts_sums_and_skips_missing_parts():
    parts = [Figures.of(entered(FILED, {"value": 928})), Figures(None),
             Figures.of(entered(FILED, {"value": 570}))]
    assert domain.roll_up(FILED, parts) == Figures(1498, parts=2)
    assert domain.roll_up(FILED, [Figures(None)]).value is None


def test_a_percentage_without_counts_cannot_be_summed():
    counted = Figures.of(entered(ONLINE, {"numerator": 9, "denominator": 10}))
    uncounted = Figures.of(entered(ONLINE, {"value": 90}))
    whole = domain.roll_up(ONLINE, [counted, uncounted])
    assert (whole.value, whole.uncounted) == (None, 1)
    # and the gap carries up a level
    assert domain.roll_up(ONLINE, [whole, counted]).uncounted == 1


# --- reports ---------------------------------------------------------------------------

TREE = OrgTree.of([
    {"code": "p", "kind": "province", "parent_code": ""},
    {"code": "a", "kind": "commune", "parent_code": "p"},
    {"code": "b", "kind": "commune", "parent_code": "p"},
    {"code": "a-1", "kind": "village", "parent_code": "a"},
    {"code": "a-2", "kind": "village", "parent_code": "a"},
])


def sheet(cells=None, targets=None):
    return {"cells": {cell_key(code, unit): {"current": rev, "approved": rev
                                             if rev["status"] == "approved" else None}
                      for (code, unit), rev in (cells or {}).items()},
            "targets": {cell_key(code, unit): t for (code, unit), t in (targets or {}).items()}}


def test_commune_report_rolls_villages_up_and_finds_the_years_target():
    commune = report.UnitData("a", {
        sheet_id("a", "2026-Q1"): sheet({
            ("online-dossiers", "a-1"): approved(ONLINE, {"numerator": 40, "denominator": 50}),
            ("online-dossiers", "a-2"): approved(ONLINE, {"numerator": 50, "denominator": 50})}),
        sheet_id("a", "2025-Q4"): sheet({
            ("online-dossiers", "a"): approved(ONLINE, {"numerator": 80, "denominator": 100})}),
        sheet_id("a", "2026"): sheet(targets={("online-dossiers", "a"): goal("gt", 90)}),
    }, villages=TREE.villages("a"))
    [row] = report.commune_report([ONLINE], commune, Q1)
    assert (row["value"], row["numerator"], row["denominator"]) == (90.0, 90, 100)
    assert row["status"] == "at_risk" and row["target"]["period"] == "2026"
    assert (row["previous_value"], row["trend"]) == (80.0, "improving")


def test_each_village_shows_its_own_figure_against_the_communes_target():
    """The drill-down: a village's line is its own figure (never the commune's), coloured
    against the commune's target, its trend against its own previous figure; derived
    indicators (the commune's alone) have no village lines."""
    commune = report.UnitData("a", {
        sheet_id("a", "2026-Q1"): sheet({
            ("online-dossiers", "a"): approved(ONLINE, {"numerator": 900, "denominator": 902}),
            ("online-dossiers", "a-1"): approved(ONLINE, {"numerator": 40, "denominator": 50}),
            ("online-dossiers", "a-2"): entered(ONLINE, {"numerator": 5, "denominator": 5})}),
        sheet_id("a", "2025-Q4"): sheet({
            ("online-dossiers", "a-1"): approved(ONLINE, {"numerator": 45, "denominator": 50})}),
        sheet_id("a", "2026"): sheet(targets={("online-dossiers", "a"): goal("gt", 90)}),
    }, villages=TREE.villages("a"))
    derived = DEFS["task-completion-rate"]
    lines = report.village_report([ONLINE, derived], commune, Q1, TREE.villages("a"))
    assert [v["unit"] for v in lines] == ["a-1", "a-2"]
    [first], [second] = (v["rows"] for v in lines)
    assert (first["unit"], first["value"], first["numerator"], first["denominator"]) == (
        "a-1", 80.0, 40, 50)
    assert (first["status"], first["target"]["period"]) == ("missed", "2026")
    assert (first["previous_value"], first["trend"]) == (90.0, "worsening")
    assert (second["value"], second["status"]) == (None, "no_data")  # a draft is not shown


def test_the_first_period_has_no_previous_one_and_its_line_no_trend():
    """January 2000 (the first month periods know): approving its figure read the month
    before, and 'no such period: month 12 of 1999' answered every approval and report."""
    first = Period("month", 2000, 1)
    assert indicators.previous(first) is None
    assert indicators.previous(Period("year", 2000)) is None
    assert indicators.previous(Period("quarter", 2000, 2)) == Period("quarter", 2000, 1)
    commune = report.UnitData("a", {
        sheet_id("a", "2000-01"): sheet(
            {("online-dossiers", "a"): approved(ONLINE, {"numerator": 45, "denominator": 90})},
            targets={("online-dossiers", "a"): goal("gt", 90)})})
    assert [period_key(p) for p in report.periods_needed(first)] == ["2000-01", "2000-Q1",
                                                                      "2000"]
    [row] = report.commune_report([ONLINE], commune, first)
    assert (row["value"], row["status"]) == (50.0, "missed")
    assert (row["previous_value"], row["trend"]) == (None, "no_data")
    [province_row] = report.province_report([ONLINE], report.UnitData("p", {}), [commune],
                                            first)["rows"]
    assert province_row["value"] == 50.0 and province_row["previous_value"] is None


def test_reports_show_approved_figures_unless_drafts_are_asked_for():
    draft = entered(ONLINE, {"numerator": 1, "denominator": 2})
    commune = report.UnitData("a", {sheet_id("a", "2026-Q1"): sheet({
        ("online-dossiers", "a"): draft})})
    assert report.commune_report([ONLINE], commune, Q1)[0]["value"] is None
    assert report.commune_report([ONLINE], commune, Q1, drafts=True)[0]["value"] == 50.0


def test_province_report_sums_its_communes():
    def commune(code, num, den):
        return report.UnitData(code, {sheet_id(code, "2026-Q1"): sheet({
            ("online-dossiers", code): approved(ONLINE, {"numerator": num,
                                                         "denominator": den})})})
    communes = [commune("a", 900, 902), commune("b", 1, 10)]
    province = report.UnitData("p", {sheet_id("p", "2026"): sheet(
        targets={("online-dossiers", "p"): goal("gt", 90)})})
    result = report.province_report([ONLINE], province, communes, Q1, with_communes=True)
    [row] = result["rows"]
    assert (row["numerator"], row["denominator"], row["value"]) == (901, 912, 98.79)
    assert row["status"] == "met" and row["parts"] == 2
    assert [c["rows"][0]["value"] for c in result["communes"]] == [99.78, 10.0]


def test_a_changed_target_tells_of_each_approved_line_it_moves():
    year = Period("year", 2026)
    figures = {
        # a village's figure: the commune's line is its villages' roll-up
        "2026-01": sheet({("online-dossiers", "a-1"): approved(ONLINE, {"numerator": 80,
                                                                        "denominator": 100})}),
        "2026-Q1": sheet({("online-dossiers", "a"): approved(ONLINE, {"numerator": 99,
                                                                      "denominator": 100})}),
        # a month with its own target does not read the year's
        "2026-02": sheet({("online-dossiers", "a"): approved(ONLINE, {"numerator": 10,
                                                                      "denominator": 100})},
                         targets={("online-dossiers", "a"): goal("ge", 5)}),
        "2026-03": sheet({("online-dossiers", "a"): entered(ONLINE, {"numerator": 1,
                                                                     "denominator": 100})}),
        "2025-12": sheet({("online-dossiers", "a"): approved(ONLINE, {"numerator": 1,
                                                                      "denominator": 100})}),
    }

    def commune(value):
        sheets = {sheet_id("a", k): s for k, s in figures.items()}
        sheets[sheet_id("a", "2026")] = sheet(targets={("online-dossiers", "a"):
                                                       goal("ge", value)})
        return report.UnitData("a", sheets, villages=TREE.villages("a"))
    keys = [*figures, "2026"]
    assert report.lines_under_target(ONLINE, commune(95), year, keys) == [
        Period("month", 2026, 1), Period("quarter", 2026, 1)]

    def news(before, after):
        lines = report.lines_under_target(ONLINE, commune(after), year, keys)
        return [(kind, period, line["value"], line["status"]) for kind, period, line in
                report.line_news(ONLINE, commune(before), commune(after), lines)]
    january = Period("month", 2026, 1)
    assert news(75, 95) == [("kpi.target_missed", january, 80.0, "missed")]
    assert news(95, 75) == [("kpi.target_recovered", january, 80.0, "met")]
    assert news(75, 75) == []
    assert news(75, 80) == []  # 80% meets ">= 80": nothing crosses


def test_only_a_target_that_compares_differently_can_move_a_line():
    assert domain.target_moved(None, goal("ge", 90))
    assert domain.target_moved(goal("ge", 90), goal("ge", 95))
    assert domain.target_moved(goal("ge", 90), goal("gt", 90))
    assert domain.target_moved(goal("ge", 90), goal("ge", 90, margin=10))
    assert not domain.target_moved(goal("ge", 90), {**goal("ge", 90),
                                                    "source_document": "NQ 05/2026"})


def test_a_target_applies_to_its_period_and_the_shorter_ones_inside_it():
    year = Period("year", 2026)
    assert indicators.lies_in(year, year) and indicators.lies_in(Q1, year)
    assert indicators.lies_in(Period("month", 2026, 3), Q1)
    assert not indicators.lies_in(Period("month", 2026, 4), Q1)
    assert not indicators.lies_in(year, Q1)
    assert not indicators.lies_in(Period("quarter", 2025, 1), year)


def test_org_tree_keeps_figures_inside_their_commune():
    TREE.check_unit("a", "a-1")
    with pytest.raises(InvalidArgument):
        TREE.check_unit("b", "a-1")
    with pytest.raises(InvalidArgument):
        TREE.check_unit("a", "nowhere")
    assert TREE.communes("p") == ("a", "b")
