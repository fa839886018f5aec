"""Derived indicators: Lùng Phình's per-field dossier table from dossier events, and the
task indicators from tasks events, each event counted once."""
import datetime as dt

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from commune.v1 import events_pb2, tasks_pb2
from services.common.envelope import Envelope, InvalidEvent
from services.common.errors import FailedPrecondition, InvalidArgument
from services.common.periods import Period
from services.kpi import demo, derived, dossiers

Q1 = Period("quarter", 2026, 1)


def register_of(events) -> dict:
    register = {}
    for event in events:
        dossiers.apply(register, dossiers.dossier_event(event))
    return register


# --- dossiers --------------------------------------------------------------------------

def test_lung_phinh_table_comes_out_of_its_dossier_events():
    spec = demo.read(demo.DOSSIERS)
    table = dossiers.table(register_of(demo.dossier_events(spec)), Q1)
    columns = ("received", "online", "resolved", "on_time", "late", "in_progress")
    assert {r["field"]: tuple(r[c] for c in columns) for r in table["fields"]} == {
        "Bảo trợ xã hội": (42, 42, 26, 25, 1, 6),
        "Chứng thực": (326, 236, 326, 326, 0, 0),
        "Hộ tịch": (255, 0, 255, 255, 0, 0),
        "Thành lập và hoạt động doanh nghiệp": (14, 0, 14, 14, 0, 0),
        "Đất đai": (26, 21, 15, 14, 1, 11),
    }
    land = next(r for r in table["fields"] if r["field"] == "Đất đai")
    assert land["carried_over"] == 5
    assert table["total"]["in_progress"] == 17 and table["total"]["in_progress_overdue"] == 0


def test_dossier_rates_are_ratios_of_the_table():
    figures = dossiers.figures(register_of(demo.dossier_events(demo.read(demo.DOSSIERS))), Q1)
    online, on_time = figures["dossier-online-rate"], figures["dossier-on-time-rate"]
    assert (online.num, online.den) == (299, 663 - 5)  # new dossiers only
    assert (on_time.num, on_time.den) == (634, 636)
    assert round(on_time.value, 2) == 99.69


def test_a_dossier_carried_over_counts_where_it_is_open():
    register = register_of([
        {"code": "A", "kind": "received", "date": "2025-12-20", "field": "Đất đai",
         "online": True, "due": "2026-01-10"},
        {"code": "A", "kind": "resolved", "date": "2026-01-15"}])
    q4 = dossiers.table(register, Period("quarter", 2025, 4))["total"]
    q1 = dossiers.table(register, Q1)["total"]
    assert (q4["received"], q4["online"], q4["in_progress"]) == (1, 1, 1)
    assert (q1["received"], q1["carried_over"], q1["online"], q1["late"]) == (1, 1, 0, 1)
    assert dossiers.table(register, Period("quarter", 2026, 2))["total"]["received"] == 0


def test_dossier_events_are_checked_and_replays_change_nothing():
    received = {"code": "A", "kind": "received", "date": "2026-01-05", "field": "Hộ tịch",
                "due": "2026-01-10"}
    register = register_of([received])
    assert dossiers.apply(register, dossiers.dossier_event(received)) is False
    with pytest.raises(FailedPrecondition):
        dossiers.apply(register, dossiers.dossier_event({**received, "field": "Đất đai"}))
    with pytest.raises(FailedPrecondition):
        dossiers.apply(register, dossiers.dossier_event(
            {"code": "B", "kind": "resolved", "date": "2026-01-06"}))
    with pytest.raises(InvalidArgument):
        dossiers.apply(register, dossiers.dossier_event(
            {"code": "A", "kind": "resolved", "date": "2026-01-01"}))
    with pytest.raises(InvalidArgument):
        dossiers.dossier_event({**received, "due": "2026-01-01"})
    with pytest.raises(InvalidArgument):
        dossiers.dossier_event({"code": "C", "kind": "received", "date": "2026-01-05"})


# --- tasks -----------------------------------------------------------------------------

def stamp(day: str) -> Timestamp:
    value = Timestamp()
    value.FromDatetime(dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC))
    return value


def task_event(task_id, status, *, deadline="2026-03-31", created="2026-01-05",
               changed="2026-01-05", done="", progress="", tenant="binh-lu",
               envelope_tenant="binh-lu"):
    task = tasks_pb2.Task(id=task_id, tenant=tenant, code=task_id, deadline=deadline,
                          status=tasks_pb2.TaskStatus.Value(f"TASK_STATUS_{status.upper()}"),
                          create_time=stamp(created), update_time=stamp(changed))
    if done:
        task.done_time.CopyFrom(stamp(done))
    if progress:
        task.last_progress_time.CopyFrom(stamp(progress))
    message = events_pb2.TaskStatusChanged(task=task)
    return message, Envelope.wrap("task.status_changed", "tasks", envelope_tenant, message)


def board_of(*events) -> dict:
    board = {}
    for message, envelope in events:
        derived.apply_task(board, derived.task_state(message, envelope))
    return board


def test_task_rates_of_a_quarter():
    board = board_of(
        task_event("a", "done", done="2026-03-20", changed="2026-03-20",
                   progress="2026-02-10"),
        task_event("b", "done", done="2026-04-03", changed="2026-04-03"),  # late
        task_event("c", "in_progress", progress="2026-01-20", changed="2026-01-20"),
        task_event("d", "assigned", deadline="2026-06-30"),
        task_event("e", "stopped", changed="2026-02-01"))
    figures = derived.task_figures(board, Q1)
    completion = figures["task-completion-rate"]
    assert (completion.num, completion.den) == (2, 3)  # a, b done of a, b, c due
    on_time = figures["task-on-time-rate"]
    assert (on_time.num, on_time.den) == (1, 2)
    # months Jan-Mar: a, b, c, d active each month (e until Feb); updates: a in Feb and
    # Mar (done), c in Jan
    compliance = figures["task-monthly-update-compliance"]
    assert (compliance.num, compliance.den) == (3, 4 + 4 + 4 + 2)


def test_the_same_task_event_twice_counts_once_and_older_ones_do_not_win():
    earlier = task_event("a", "in_progress", changed="2026-02-01", progress="2026-02-01")
    done = task_event("a", "done", done="2026-03-20", changed="2026-03-20")
    board = board_of(done)
    state = derived.task_state(*done)
    assert derived.apply_task(board, state) is False
    older = derived.task_state(*earlier)  # announced before, delivered after
    assert derived.apply_task(board, older) is True  # its progress month is kept...
    assert board["a"]["status"] == "done"             # ...but not its status
    assert board["a"]["updated_months"] == ["2026-02"]
    assert derived.task_figures(board, Q1)["task-completion-rate"].num == 1


def test_a_task_event_of_another_commune_is_rejected():
    message, envelope = task_event("a", "done", tenant="lung-phinh",
                                   envelope_tenant="lung-phinh")
    # Envelope.parse refuses such an event already; the deriver does not rely on it.
    envelope = envelope.model_copy(update={"tenant": "binh-lu"})
    with pytest.raises(InvalidEvent):
        derived.task_state(message, envelope)


def test_every_derived_source_with_indicators_has_a_deriver():
    from services.kpi.indicators import catalog
    sources = {d.source for d in catalog() if d.derived}
    assert sources <= set(derived.DERIVERS)
