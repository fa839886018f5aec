"""Reports read from the store, for RPC, HTTP and gRPC alike: only _id lookups (the
sheets of the periods a report needs, the derived boards), then report.py."""
import time
from collections.abc import Callable

from pymongo.database import Database

from services.common.errors import InvalidArgument, NotFound
from services.common.periods import Period
from services.directory import tree as builtin_tree

from . import dossiers, report, satisfaction
from .derived import DERIVERS, apply_task
from .indicators import Indicator, period_key, previous
from .keys import board_id
from .orgtree import OrgTree
from .store import KpiStore

TREE_TTL_S = 60.0


def tree_from(directory: Database) -> Callable[[], OrgTree]:
    """The org tree of the directory's database, re-read once a minute; the built-in
    tree (services/directory/org.json) while the directory has not been loaded."""
    cached: dict = {}

    def current() -> OrgTree:
        if cached.get("until", 0) < time.monotonic():
            rows = list(directory.units.find({}, {"_id": 0, "code": 1, "name": 1, "kind": 1,
                                                  "parent_code": 1}))
            cached.update(tree=OrgTree.of(rows or builtin_tree.units()),
                          until=time.monotonic() + TREE_TTL_S)
        return cached["tree"]
    return current


class Reports:
    def __init__(self, store: KpiStore, tree: Callable[[], OrgTree]):
        self.store = store
        self.tree = tree

    def definitions(self) -> list[Indicator]:
        return list(self.store.indicators().values())

    def _unit(self, code: str, period: Period, definitions: list[Indicator],
              villages: tuple[str, ...] = (), pending: dict | None = None,
              feedback: dict | None = None) -> report.UnitData:
        index = self.store.index(code)
        sources = sorted({d.source for d in definitions if d.derived and d.source in DERIVERS})
        found = self.store.read_many("boards", [board_id(code, s) for s in sources
                                                if s in index.get("boards", [])])
        boards = {s: found[board_id(code, s)] for s in sources if board_id(code, s) in found}
        if "tasks" in sources and (pending or {}).get(code):
            boards["tasks"] = boards.get("tasks", {})
            for state in pending[code]:  # not folded into the board yet
                apply_task(boards["tasks"], state)
        if "assistant" in sources and (feedback or {}).get(code):
            boards["assistant"] = boards.get("assistant", {})
            for given in feedback[code]:  # not folded into the board yet
                satisfaction.apply(boards["assistant"], given)
        return report.UnitData(
            code, self.store.read_sheets(code, report.period_keys(
                period, index.get("sheets", []))), boards,
            villages)

    def commune(self, tenant: str, period: Period, drafts: bool = False) -> list[dict]:
        tree = self.tree()
        tree.check_unit(tenant, tenant)
        definitions = self.definitions()
        commune = self._unit(tenant, period, definitions, tree.villages(tenant),
                             self.store.pending_task_states(tenant),
                             self.store.pending_feedback(tenant))
        return report.commune_report(definitions, commune, period, drafts)

    def villages(self, tenant: str, period: Period, indicator: str = "",
                 village: str = "") -> list[dict]:
        """Each village's lines (reports.village_report) of the commune, or of the one
        `village` named; of every indicator, or of the one named. A village that is not
        the commune's is not found, as if it did not exist."""
        tree = self.tree()
        tree.check_unit(tenant, tenant)
        villages = tree.villages(tenant)
        if village and village not in villages:
            raise NotFound(f"no village {village!r} in commune {tenant!r}")
        definitions = [self.store.indicator(indicator)] if indicator else self.definitions()
        if indicator and definitions[0].derived:
            raise InvalidArgument(f"{indicator} is derived from {definitions[0].source} "
                                  "events: the commune's alone, not its villages'",
                                  {"indicator": "derived"})
        commune = self._unit(tenant, period, [], villages)
        return report.village_report(definitions, commune, period,
                                     (village,) if village else villages)

    def province(self, province: str, period: Period, drafts: bool = False,
                 with_communes: bool = False) -> dict:
        tree = self.tree()
        definitions = self.definitions()
        pending = self.store.pending_task_states()
        feedback = self.store.pending_feedback()
        communes = [self._unit(c, period, definitions, tree.villages(c), pending, feedback)
                    for c in tree.communes(province)]
        return report.province_report(definitions, self._unit(province, period, []),
                                      communes, period, drafts, with_communes)

    def report(self, unit: str, period: Period, drafts: bool = False,
               with_communes: bool = False) -> dict:
        """A province's report (its rows and, when asked, its communes'), or a
        commune's rows."""
        if self.tree().kind(unit) == "province":
            return self.province(unit, period, drafts, with_communes)
        return {"rows": self.commune(unit, period, drafts), "communes": []}

    def latest_quarter_with_figures(self, tenant: str, quarter: Period,
                                    back: int) -> Period | None:
        """`quarter` or the nearest of the `back` - 1 before it that has a sheet."""
        sheets = self.store.index(tenant).get("sheets", [])
        for _ in range(back):
            if quarter is None or period_key(quarter) in sheets:
                return quarter
            quarter = previous(quarter)
        return None

    def dossier_table(self, tenant: str, period: Period) -> dict:
        self.tree().check_unit(tenant, tenant)
        register = self.store.read_packed("boards", board_id(tenant, "dossiers"))
        return dossiers.table(register, period)
