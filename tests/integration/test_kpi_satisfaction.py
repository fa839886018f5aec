"""The assistant's feedback in the KPI store on the real database: one row per answer
however often its event comes, the report exact before and after the fold, the fold
leaving the inbox empty and the board the same when the same rows come again."""

import pytest

from services.common.periods import Period
from services.directory import tree
from services.kpi import satisfaction
from services.kpi.keys import board_id
from services.kpi.orgtree import OrgTree
from services.kpi.reading import Reports

pytestmark = pytest.mark.integration

Q2 = Period("quarter", 2026, 2)
TREE = OrgTree.of(tree.units())


def line(kpi_store, tenant: str) -> tuple:
    row = next(r for r in Reports(kpi_store, lambda: TREE).commune(tenant, Q2)
               if r["indicator"] == satisfaction.INDICATOR)
    return row["numerator"], row["denominator"]


def test_feedback_is_counted_once_per_answer_before_and_after_the_fold(kpi_store):
    given = [{"trace": f"20260520-{n}", "helpful": n % 4 != 0, "day": "2026-05-20"}
             for n in range(8)]
    for feedback in given + given[:3]:  # redelivered events
        kpi_store.add_feedback("binh-lu", feedback)
    kpi_store.add_feedback("lung-phinh", {"trace": "20260521-x", "helpful": False,
                                      "day": "2026-05-21"})
    assert line(kpi_store, "binh-lu") == (6, 8)  # pending, read as they are
    assert kpi_store.fold_feedback_inbox(satisfaction.apply) == 9
    assert kpi_store.pending_feedback() == {}
    assert line(kpi_store, "binh-lu") == (6, 8) and line(kpi_store, "lung-phinh") == (0, 1)
    board = kpi_store.read_packed("boards", board_id("binh-lu", "assistant"))
    for feedback in given[:2]:  # a fold cut short before its rows were removed
        kpi_store.add_feedback("binh-lu", feedback)
    kpi_store.fold_feedback_inbox(satisfaction.apply)
    assert kpi_store.read_packed("boards", board_id("binh-lu", "assistant")) == board
    assert line(kpi_store, "binh-lu") == (6, 8)
