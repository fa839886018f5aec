"""The handoff desk's rules (desk.py): a ticket's status from its moves, who may make
which move when, and which tickets waited too long for an officer."""
import datetime as dt

import pytest

from services.assistant import desk
from services.common.errors import FailedPrecondition, InvalidArgument, PermissionDenied

T0 = dt.datetime(2026, 12, 6, 8, 0, tzinfo=dt.UTC)
TICKET = "HO-0000000001"


def moved(current: desk.State, *steps) -> tuple[desk.State, list[dict]]:
    """Apply (action, officer, admin, text) steps in turn; the state and the moves."""
    moves = []
    for minutes, (action, officer, admin, text) in enumerate(steps, start=1):
        moves.append(desk.move(TICKET, current, action, officer, admin,
                               T0 + dt.timedelta(minutes=minutes), text))
        current = desk.state(moves)
    return current, moves


def test_a_ticket_goes_from_open_to_claimed_answered_and_closed():
    assert desk.state([]).status == desk.OPEN
    state, moves = moved(desk.State(), ("claim", "cb-01", False, ""),
                         ("answer", "cb-01", False, "  Mang CCCD đến bộ phận một cửa. "),
                         ("close", "cb-01", False, "đã trả lời"))
    assert state.status == desk.CLOSED
    assert (state.claimed_by, state.answered_by, state.closed_by) == ("cb-01",) * 3
    assert state.reply == "Mang CCCD đến bộ phận một cửa." and state.note == "đã trả lời"
    assert [m["_id"] for m in moves] == [f"{TICKET}|claimed", f"{TICKET}|answered",
                                         f"{TICKET}|closed"]
    # the order the log is read in does not matter
    assert desk.state(list(reversed(moves))) == state


def test_one_officer_holds_a_ticket_and_an_admin_may_step_in():
    claimed, _ = moved(desk.State(), ("claim", "cb-01", False, ""))
    with pytest.raises(FailedPrecondition, match="already claimed by cb-01"):
        desk.move(TICKET, claimed, "claim", "cb-02", False, T0)
    with pytest.raises(PermissionDenied, match="held by cb-01"):
        desk.move(TICKET, claimed, "answer", "cb-02", False, T0, "xin chào")
    with pytest.raises(PermissionDenied):
        desk.move(TICKET, claimed, "close", "cb-02", False, T0)
    assert desk.move(TICKET, claimed, "answer", "chu-tich", True, T0, "ok")["by"] == "chu-tich"


def test_moves_out_of_order_are_refused():
    with pytest.raises(FailedPrecondition, match="claim it before answering"):
        desk.move(TICKET, desk.State(), "answer", "cb-01", False, T0, "xin chào")
    answered, _ = moved(desk.State(), ("claim", "cb-01", False, ""),
                        ("answer", "cb-01", False, "lần một"))
    with pytest.raises(FailedPrecondition, match="answer it once"):
        desk.move(TICKET, answered, "answer", "cb-01", False, T0, "lần hai")
    closed, _ = moved(desk.State(), ("close", "cb-01", False, "trùng"))
    for action in desk.MOVES:
        with pytest.raises(FailedPrecondition, match="is closed"):
            desk.move(TICKET, closed, action, "cb-01", False, T0, "x")
    claimed, _ = moved(desk.State(), ("claim", "cb-01", False, ""))
    with pytest.raises(InvalidArgument, match="needs its text"):
        desk.move(TICKET, claimed, "answer", "cb-01", False, T0, "   ")


def ticket(number: int, minutes_ago: int, tenant: str = "binh-lu") -> dict:
    return {"_id": f"HO-{number:010d}", "tenant": tenant,
            "at": T0 - dt.timedelta(minutes=minutes_ago)}


def test_unclaimed_are_the_tickets_past_the_window_no_one_took_nor_was_alerted_on():
    tickets = [ticket(1, 40), ticket(2, 31), ticket(3, 29), ticket(4, 60), ticket(5, 90),
               ticket(6, 120)]
    moves = {"HO-0000000004": [{"kind": desk.CLAIMED, "by": "cb-01", "at": T0}],
             "HO-0000000005": [{"kind": desk.UNCLAIMED_ALERTED, "by": "system", "at": T0}],
             "HO-0000000006": [{"kind": desk.CLOSED, "by": "cb-01", "at": T0}]}
    due = desk.unclaimed(tickets, moves, T0, dt.timedelta(minutes=30))
    assert [t["_id"] for t in due] == ["HO-0000000001", "HO-0000000002"]  # oldest first


def test_the_listing_is_oldest_first_and_filters_by_status():
    tickets = [ticket(1, 5), ticket(2, 50), ticket(3, 20)]
    moves = {"HO-0000000003": [{"kind": desk.CLAIMED, "by": "cb-01", "at": T0}]}
    assert [t["_id"] for t, _ in desk.listing(tickets, moves)] == [
        "HO-0000000002", "HO-0000000003", "HO-0000000001"]
    assert [(t["_id"], s.claimed_by) for t, s in desk.listing(tickets, moves, "claimed")] == [
        ("HO-0000000003", "cb-01")]


def test_the_tickets_of_each_answer_are_grouped_by_its_trace_oldest_first():
    tickets = [{**ticket(1, 5), "trace_id": "20261206-a"}, {**ticket(2, 50), "trace_id": ""},
               {**ticket(3, 20), "trace_id": "20261206-a"},
               {**ticket(4, 10), "trace_id": "20261206-b"}]
    moves = {"HO-0000000001": [{"kind": desk.CLAIMED, "by": "cb-01", "at": T0}]}
    grouped = {trace: [(t["_id"], s.status) for t, s in rows]
               for trace, rows in desk.by_trace(tickets, moves).items()}
    assert grouped == {"20261206-a": [("HO-0000000003", "open"), ("HO-0000000001", "claimed")],
                       "20261206-b": [("HO-0000000004", "open")]}
