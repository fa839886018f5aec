"""A stored task's state on kpi's board, as the rebuild makes it: what its latest event
gives, with every month it had a progress update in."""
import datetime as dt

from commune.v1 import events_pb2
from services.common.envelope import Envelope
from services.kpi import derived
from services.kpi.rebuild import board_state, created_fact
from services.tasks import domain

CREATED = dt.datetime(2026, 1, 5, 8, tzinfo=dt.UTC)
DONE = dt.datetime(2026, 3, 20, 10, tzinfo=dt.UTC)


def stored_task() -> dict:
    """A task created in January, updated in January and February, done in March."""
    document = domain.new_task({"tenant": "binh-lu", "code": "NV-01", "title": "Nhiệm vụ",
                                "deadline": "2026-03-31"}, "test", CREATED)
    progress = [dt.datetime(2026, 1, 20, tzinfo=dt.UTC), dt.datetime(2026, 2, 9, tzinfo=dt.UTC)]
    return {**document, "status": "done", "progress": 100, "done_at": DONE,
            "closed_at": DONE, "updated_at": DONE, "last_progress_at": progress[-1],
            "progress_log": [{"at": at, "by": "test", "percent": 50, "note": ""}
                             for at in progress]}


def test_a_stored_task_gives_its_latest_event_state_with_every_progress_month():
    document = stored_task()
    message = events_pb2.TaskStatusChanged(task=domain.task_message(document))
    from_event = derived.task_state(message, Envelope.wrap(
        "task.status_changed", "tasks", "binh-lu", message))
    rebuilt = board_state(document)
    assert rebuilt["updated_months"] == ["2026-01", "2026-02"]
    assert from_event["updated_months"] == ["2026-02"]  # an event knows only the last
    assert rebuilt["changed"] == DONE.isoformat()
    same = ("id", "status", "deadline", "created", "done", "closed")
    assert {k: rebuilt[k] for k in same} == {k: from_event[k] for k in same} == {
        "id": document["_id"], "status": "done", "deadline": "2026-03-31",
        "created": "2026-01-05", "done": "2026-03-20", "closed": "2026-03-20"}


def test_an_event_announced_after_the_rebuild_read_the_task_wins():
    document = stored_task()
    board = {}
    derived.apply_task(board, board_state(document))
    reopened = {**document, "status": "in_progress", "done_at": None, "closed_at": None}
    later = dt.datetime(2026, 4, 2, tzinfo=dt.UTC)
    state = derived.state_of(domain.task_message(reopened), later)
    assert derived.apply_task(board, state) is True
    assert board[document["_id"]]["status"] == "in_progress"
    assert board[document["_id"]]["updated_months"] == ["2026-01", "2026-02"]


def test_the_created_fact_is_keyed_by_the_task():
    document = stored_task()
    assert created_fact(document) == {"tenant": "binh-lu", "task_id": document["_id"],
                                      "code": "NV-01", "created_at": CREATED,
                                      "event_id": ""}
