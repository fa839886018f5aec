"""Lifecycle, progress, overdue, review and summary rules of services/tasks/domain.py."""
import datetime as dt

import pytest

from services.common.errors import FailedPrecondition, InvalidArgument
from services.tasks import domain
from tests.task_history import after

T0 = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC)
DIRECTORY = domain.Directory(frozenset({"van-phong", "phong-vhxh"}),
                             {"cb-vhxh-01": "phong-vhxh"})


def task(**fields) -> dict:
    base = {"tenant": "binh-lu", "code": "KH2026-01", "title": "Số hóa hồ sơ",
            "lead_unit": "phong-vhxh", "owner": "cb-vhxh-01", "start": "2026-01-01",
            "deadline": "2026-12-31", "deliverable": "Kho hồ sơ số"}
    return domain.new_task({**base, **fields}, "officer-1", T0, DIRECTORY)


def moved(doc: dict, changes: dict) -> dict:
    pushed = changes.pop("_push", {})
    doc = {**doc, **changes}
    for name, value in pushed.items():
        doc[name] = doc[name] + (value if isinstance(value, list) else [value])
    return doc


def assigned(**fields) -> dict:
    doc = task(**fields)
    return moved(doc, domain.assign(doc, "officer-1", T0, DIRECTORY)[0])


# --- creation and references -----------------------------------------------------------

def test_period_text_gives_the_deadline_when_none_is_written():
    doc = task(deadline=None, period_text="Quý III/2026")
    assert doc["deadline"] == "2026-09-30"


def test_a_period_that_does_not_parse_is_refused_naming_the_field():
    with pytest.raises(InvalidArgument, match="cannot read a period") as error:
        task(deadline=None, period_text="sớm")
    assert "period_text" in error.value.fields


def test_unknown_units_and_officers_are_named():
    with pytest.raises(InvalidArgument) as error:
        task(lead_unit="phong-ma", coordinating_units=["van-phong", "x"], owner="ai-do")
    assert set(error.value.fields) == {"lead_unit", "coordinating_units.1", "owner"}


# --- lifecycle -------------------------------------------------------------------------

def test_assign_needs_lead_unit_owner_and_deadline():
    with pytest.raises(InvalidArgument) as error:
        domain.assign(task(owner="", deadline=None), "o", T0, DIRECTORY)
    assert set(error.value.fields) == {"owner", "deadline"}


def test_the_lifecycle_refuses_moves_it_does_not_allow():
    doc = task()
    with pytest.raises(FailedPrecondition, match="is draft; it cannot become done"):
        domain.change_status(doc, "done", "o", T0)
    done = moved(assigned(), domain.change_status(assigned(), "done", "o", T0)[0])
    with pytest.raises(FailedPrecondition, match="allowed: none"):
        domain.change_status(done, "in_progress", "o", T0)


def test_a_draft_may_revise_any_plan_field_and_a_period_gives_the_deadline():
    changes, entry = domain.revise(task(), {"title": "Số hóa toàn bộ hồ sơ", "owner": "",
                                            "period_text": "Quý III/2026", "deadline": None},
                                   "o", T0, DIRECTORY)
    assert changes == {"title": "Số hóa toàn bộ hồ sơ", "owner": "",
                       "period_text": "Quý III/2026", "deadline": "2026-09-30"}
    assert entry["what"] == "revised" and entry["fields"] == sorted(changes)


def test_an_assigned_task_revises_its_plan_but_not_its_assignment():
    changes, _ = domain.revise(assigned(), {"deliverable": "Báo cáo"}, "o", T0, DIRECTORY)
    assert changes == {"deliverable": "Báo cáo"}
    with pytest.raises(FailedPrecondition, match="only through the quarterly review"):
        domain.revise(assigned(), {"owner": ""}, "o", T0, DIRECTORY)
    with pytest.raises(InvalidArgument) as error:
        domain.revise(assigned(), {"title": "ab", "coordinating_units": ["phong-x"]}, "o", T0,
                      DIRECTORY)
    assert "title" in error.value.fields


def test_a_closed_task_is_not_revised():
    done = moved(assigned(), domain.change_status(assigned(), "done", "o", T0)[0])
    with pytest.raises(FailedPrecondition, match="is done; a closed task does not change"):
        domain.revise(done, {"title": "Tên khác"}, "o", T0, DIRECTORY)


def test_stopping_needs_a_reason_and_keeps_it():
    with pytest.raises(InvalidArgument, match="needs a reason"):
        domain.change_status(assigned(), "stopped", "o", T0, "  ")
    changes, entry = domain.change_status(assigned(), "stopped", "o", T0, "Không còn phù hợp")
    assert changes["stop_reason"] == "Không còn phù hợp" and changes["closed_at"] == T0
    assert entry["reason"] == "Không còn phù hợp"


def test_done_sets_progress_to_100_and_the_done_time():
    changes, _ = domain.change_status(assigned(), "done", "o", T0)
    assert changes["progress"] == 100 and changes["done_at"] == T0


# --- progress --------------------------------------------------------------------------

def test_first_progress_starts_the_work():
    changes, entry = domain.report_progress(assigned(), {"percent": 30}, "cb", T0)
    assert changes["status"] == "in_progress" and changes["progress"] == 30
    assert entry["what"] == "progress 0% -> 30%"


@pytest.mark.parametrize("percent", [-1, 101, "half"])
def test_progress_outside_0_to_100_is_refused(percent):
    with pytest.raises(InvalidArgument, match="percent"):
        domain.report_progress(assigned(), {"percent": percent}, "cb", T0)


def test_progress_goes_down_only_with_a_note():
    doc = moved(assigned(), domain.report_progress(assigned(), {"percent": 60}, "cb", T0)[0])
    with pytest.raises(InvalidArgument, match="say why in a note"):
        domain.report_progress(doc, {"percent": 40}, "cb", T0)
    changes, _ = domain.report_progress(doc, {"percent": 40, "note": "Làm lại phần số hóa"},
                                        "cb", T0)
    assert changes["progress"] == 40


def test_progress_on_a_draft_or_closed_task_is_refused():
    with pytest.raises(FailedPrecondition, match="is draft"):
        domain.report_progress(task(), {"percent": 10}, "cb", T0)


# --- derived state ---------------------------------------------------------------------

def test_overdue_is_derived_from_deadline_and_status():
    doc = assigned(deadline="2026-03-31")
    assert not domain.is_overdue(doc, dt.date(2026, 3, 31))
    assert domain.is_overdue(doc, dt.date(2026, 4, 1))
    done = moved(doc, domain.change_status(doc, "done", "o", T0)[0])
    assert not domain.is_overdue(done, dt.date(2026, 4, 1))
    assert not domain.is_overdue(task(deadline="2026-03-31"), dt.date(2026, 4, 1))  # draft


def test_done_on_time_compares_the_done_date_with_the_deadline():
    doc = assigned(deadline="2026-03-31")
    late = dt.datetime(2026, 4, 2, tzinfo=dt.UTC)
    assert domain.done_on_time(moved(doc, domain.change_status(doc, "done", "o", T0)[0]))
    assert not domain.done_on_time(moved(doc, domain.change_status(doc, "done", "o", late)[0]))


def test_review_flags_slow_overdue_and_missing_deliverable():
    # half the year gone (start 1 Jan, deadline 31 Dec), 10% done: slow
    doc = assigned(deliverable="")
    doc = moved(doc, domain.report_progress(doc, {"percent": 10}, "cb", T0)[0])
    assert domain.review_flags(doc, dt.date(2026, 7, 2)) == ["slow", "no_deliverable"]
    on_track = moved(doc, domain.report_progress(doc, {"percent": 45}, "cb", T0)[0])
    assert domain.review_flags(on_track, dt.date(2026, 7, 2)) == ["no_deliverable"]
    assert "overdue" in domain.review_flags(doc, dt.date(2027, 1, 1))


# --- summaries -------------------------------------------------------------------------

def test_2025_result_92_of_92_done_on_time_is_100_percent():
    tasks = []
    for i in range(92):
        doc = assigned(code=f"2025-{i:03d}", start="2025-01-01", deadline="2025-12-31")
        doc = moved(doc, domain.change_status(doc, "done", "o",
                                              dt.datetime(2025, 12, 20, tzinfo=dt.UTC))[0])
        tasks.append(doc)
    summary = domain.summarize(tasks, dt.date(2026, 1, 15))
    assert (summary["assigned"], summary["done"], summary["done_on_time"]) == (92, 92, 92)
    assert summary["completion_rate"] == 1.0 and summary["on_time_rate"] == 1.0
    assert (summary["due"], summary["due_done"], summary["due_overdue"]) == (92, 92, 0)


def test_monthly_compliance_counts_active_tasks_updated_this_month():
    in_june = dt.datetime(2026, 6, 10, tzinfo=dt.UTC)
    updated = assigned(code="A")
    updated = moved(updated, domain.report_progress(updated, {"percent": 20}, "cb", in_june)[0])
    silent = assigned(code="B")
    draft = task(code="C")
    summary = domain.summarize([updated, silent, draft], dt.date(2026, 6, 20))
    assert (summary["updated_this_month"], summary["active"]) == (1, 2)
    assert summary["monthly_update_compliance"] == 0.5
    assert summary["assigned"] == 2  # a draft is not assigned


def test_summaries_split_by_unit_and_group():
    rows = domain.summaries([assigned(code="A", group="ky-nang-so"),
                             assigned(code="B", lead_unit="van-phong", group="ky-nang-so")],
                            dt.date(2026, 2, 1))
    assert [r["key"] for r in rows["by_unit"]] == ["phong-vhxh", "van-phong"]
    assert [(r["key"], r["assigned"]) for r in rows["by_group"]] == [("ky-nang-so", 2)]
    assert rows["total"]["assigned"] == 2


# --- quarterly review ------------------------------------------------------------------

@pytest.mark.parametrize("fields, message", [
    ({"decision": "adjust_deadline"}, "needs the new deadline"),
    ({"decision": "stop"}, "stop needs a note"),
    ({"decision": "replace", "note": "Không khả thi"}, "replace needs the replacement"),
    ({"decision": "forget"}, "decision"),
])
def test_each_decision_needs_its_fields(fields, message):
    with pytest.raises(InvalidArgument, match=message):
        domain.review_decision(fields)


def test_adjusting_the_deadline_clears_the_overdue_announcement():
    decision = domain.review_decision({"decision": "adjust_deadline", "deadline": "2026-12-31"})
    changes, entry, successor = domain.decide(assigned(deadline="2026-03-31"), decision, "bcd",
                                              T0, DIRECTORY)
    assert changes == {"deadline": "2026-12-31", "overdue_announced": False}
    assert entry["what"] == "review: adjust_deadline" and successor is None


def test_stopping_on_review_keeps_the_reason():
    decision = domain.review_decision({"decision": "stop", "note": "Không còn phù hợp"})
    changes, _, _ = domain.decide(assigned(), decision, "bcd", T0, DIRECTORY)
    assert changes["status"] == "stopped" and changes["stop_reason"] == "Không còn phù hợp"


def test_replacing_links_old_and_new_tasks_both_ways():
    old = assigned()
    decision = domain.review_decision({"decision": "replace", "note": "Chưa rõ sản phẩm",
                                       "replacement": {"code": "KH2026-01b",
                                                       "title": "Số hóa 100% hồ sơ",
                                                       "deliverable": "Kho hồ sơ số"}})
    changes, entry, successor = domain.decide(old, decision, "bcd", T0, DIRECTORY)
    assert changes["status"] == "replaced" and changes["replaced_by"] == successor["_id"]
    assert successor["replaces"] == old["_id"] and successor["tenant"] == old["tenant"]
    assert entry["replaced_by"] == successor["_id"] and entry["by"] == "bcd"


def test_a_replacement_naming_another_commune_is_refused():
    """The replaced task's commune is the replacement's: a body naming another is refused,
    not quietly filed under the replaced task's commune."""
    decision = domain.review_decision({"decision": "replace", "note": "Chưa rõ sản phẩm",
                                       "replacement": {"code": "KH2026-01b",
                                                       "tenant": "lung-phinh",
                                                       "title": "Số hóa 100% hồ sơ"}})
    with pytest.raises(InvalidArgument, match="tenant 'lung-phinh' in the body differs from "
                                              f"{assigned()['tenant']!r}") as refused:
        domain.decide(assigned(), decision, "bcd", T0, DIRECTORY)
    assert list(refused.value.fields) == ["tenant"]


def test_only_active_tasks_are_decided_on():
    decision = domain.review_decision({"decision": "keep"})
    with pytest.raises(FailedPrecondition, match="is draft"):
        domain.decide(task(), decision, "bcd", T0, DIRECTORY)


# --- a task as it stood on a day -------------------------------------------------------

def test_a_task_as_it_stood_on_a_day_undoes_what_came_later():
    march, april, may = (dt.datetime(2026, m, 10, tzinfo=dt.UTC) for m in (3, 4, 5))
    doc = task(deadline="2026-03-31")
    doc = after(doc, domain.assign(doc, "officer-1", T0, DIRECTORY))
    doc = after(doc, domain.report_progress(doc, {"percent": 30}, "cb-vhxh-01", march))
    adjust = domain.review_decision({"decision": "adjust_deadline", "deadline": "2026-06-30"})
    doc = after(doc, domain.decide(doc, adjust, "bcd", april, DIRECTORY))
    doc = after(doc, domain.change_status(doc, "done", "cb-vhxh-01", may))
    vietnam = dt.timezone(dt.timedelta(hours=7))

    def then(day: dt.date) -> dict:
        return domain.as_of(doc, dt.datetime.combine(day, dt.time(), vietnam))

    quarter_end = then(dt.date(2026, 4, 1))
    assert (quarter_end["status"], quarter_end["deadline"], quarter_end["progress"],
            quarter_end["done_at"]) == ("in_progress", "2026-03-31", 30, None)
    assert quarter_end["updated_at"] == march  # its last change before the day
    assert domain.review_flags(quarter_end, dt.date(2026, 4, 1)) == ["slow", "overdue"]
    summary = domain.summarize([quarter_end], dt.date(2026, 4, 1))
    assert (summary["done"], summary["overdue"]) == (0, 1)
    reviewed = then(dt.date(2026, 5, 1))  # the review moved the deadline, not yet done
    assert (reviewed["status"], reviewed["deadline"]) == ("in_progress", "2026-06-30")
    now = then(dt.date(2026, 12, 1))
    assert (now["status"], now["progress"], now["done_at"]) == ("done", 100, may)
    assert then(dt.date(2026, 1, 2)) is None  # not created yet
    created = domain.as_of(doc, T0 + dt.timedelta(microseconds=1))
    assert created["status"] == "assigned"  # assigned as it was made


def test_a_task_stopped_by_the_review_was_active_before():
    doc = task()
    doc = after(doc, domain.assign(doc, "officer-1", T0, DIRECTORY))
    stop = domain.review_decision({"decision": "stop", "note": "Không còn phù hợp"})
    later = dt.datetime(2026, 7, 2, tzinfo=dt.UTC)
    doc = after(doc, domain.decide(doc, stop, "bcd", later, DIRECTORY))
    assert domain.as_of(doc, later)["status"] == "assigned"
    assert domain.as_of(doc, later + dt.timedelta(seconds=1))["status"] == "stopped"
