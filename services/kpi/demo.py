"""Demo data from the communes' own Q1/2026 reports and Bình Lư's 2026 plan
(demo/*.yaml, each row citing its source): figures entered, submitted and approved
through the same rules as any other, the 2026 targets, and Lùng Phình's dossiers by
field; Bình Lư's villages' figures, some real, some the demo's even split of the
commune's totals (marked DEMO in their source document). Loading twice adds nothing."""
import datetime as dt
from importlib import resources

import yaml

from services.common.mongo import database_name, make_client
from services.directory import tree as builtin_tree

from . import dossiers
from .indicators import parse_period
from .keys import cell_key, sheet_id, sheets_collection
from .ledger import Ledger
from .reading import Reports, tree_from
from .store import KpiStore

ENTERED_BY = "demo-loader"
APPROVED_BY = "demo-approver"
FIGURES = ("binh-lu-q1-2026.yaml", "lung-phinh-q1-2026.yaml")
# Bình Lư's villages: real figures, and the demo's splits of FIGURES[0]'s totals.
VILLAGES = "binh-lu-q1-2026-villages.yaml"
TARGETS = "binh-lu-2026-targets.yaml"
DOSSIERS = "lung-phinh-q1-2026-dossiers.yaml"
# The day before the quarter a carried-over dossier was received on.
CARRIED_FROM = dt.date(2025, 12, 20)
OUTCOMES = ("on_time", "late", "in_progress", "withdrawn")


def read(name: str) -> dict:
    return yaml.safe_load(resources.files(__package__).joinpath("demo", name)
                          .read_text("utf-8"))


def _dossier(code: str, field: str, received: dt.date, online: bool, outcome: str,
             quarter) -> list[dict]:
    """The events of one dossier that ends the quarter as `outcome` (a carried-over one
    is handled inside the quarter)."""
    event = {"code": code, "kind": "received", "date": received.isoformat(),
             "field": field, "online": online}
    if outcome == "in_progress":
        return [{**event, "due": (quarter.last_day + dt.timedelta(days=15)).isoformat()}]
    kind, after = {"on_time": ("resolved", 2), "late": ("resolved", 5),
                   "withdrawn": ("withdrawn", 1)}[outcome]
    day = max(received, quarter.first_day) + dt.timedelta(days=after)
    due = day - dt.timedelta(days=2) if outcome == "late" else day + dt.timedelta(days=8)
    return [{**event, "due": due.isoformat()},
            {"code": code, "kind": kind, "date": day.isoformat()}]


def dossier_events(spec: dict) -> list[dict]:
    """Dossier events that give, field by field, the counts of the report: carried-over
    dossiers first, then new ones (the first `online` of them online), dated across the
    quarter; outcomes in the order on time, late, in progress, withdrawn."""
    quarter = parse_period(spec["period"])
    days = (quarter.last_day - quarter.first_day).days - 12
    events = []
    for number, row in enumerate(spec["fields"], start=1):
        outcomes = [o for o in OUTCOMES for _ in range(row[o])]
        if len(outcomes) != row["received"]:
            raise ValueError(f"{row['field']}: outcomes do not add up to received")
        for index, outcome in enumerate(outcomes):
            carried = index < row["carried_over"]
            new_index = index - row["carried_over"]
            received = CARRIED_FROM if carried else \
                quarter.first_day + dt.timedelta(days=new_index * days // row["received"])
            online = not carried and new_index < row["online"]
            events += _dossier(f"LP-{quarter.year}-{number}-{index + 1:03d}", row["field"],
                               received, online, outcome, quarter)
    return events


def _cited(spec: dict) -> list[dict]:
    """A file's measurements as the ledger takes them (the commune's unless a row names a
    village), each citing its source."""
    return [{"unit": spec["tenant"], "period": spec["period"],
             "source_document": f"{spec['source_document']}, {row.pop('cite')}", **row}
            for row in spec["measurements"]]


def _share(total: int, parts: int, index: int) -> int:
    """Part `index` of `total` split evenly over `parts`, the first parts taking what
    does not divide."""
    return total // parts + (index < total % parts)


def village_figures(spec: dict, commune: dict, villages: tuple[str, ...],
                    village_count: int) -> list[dict]:
    """The villages' measurements of `spec` (VILLAGES): its real rows, then the demo's
    even splits of the commune's totals (`commune`: its file) over its `village_count`
    villages, the named `villages` taking the first shares. The split's source document
    says that it is one."""
    totals = {row["indicator"]: row for row in _cited(commune)}
    split = []
    for code in spec["demo_splits"]:
        total = totals[code]
        short = total["denominator"] - total["numerator"]
        for index, village in enumerate(villages):
            den = _share(total["denominator"], village_count, index)
            split.append({"indicator": code, "unit": village, "period": spec["period"],
                          "numerator": den - _share(short, village_count, index),
                          "denominator": den,
                          "source_document": f"DEMO: {total['numerator']}/"
                          f"{total['denominator']} của cả xã chia đều cho {village_count} "
                          f"bản, không phải số liệu thật của bản ({total['source_document']})"})
    return _cited(spec) + split


def _approve(ledger: Ledger, store: KpiStore, tenant: str, rows: list[dict]) -> int:
    """Each figure entered, submitted and approved, unless one is approved already."""
    added, sheets = 0, {}
    for fields in rows:
        key = fields["period"]
        if key not in sheets:  # as it was before: a row is approved once
            sheets[key] = store.read_packed(sheets_collection(key), sheet_id(tenant, key))
        if (sheets[key].get("cells", {}).get(cell_key(fields["indicator"], fields["unit"]))
                or {}).get("approved"):
            continue
        now = dt.datetime.combine(parse_period(key).last_day, dt.time(9), dt.UTC)
        ledger.enter(tenant, fields, ENTERED_BY, now)
        ledger.act(tenant, fields, "submit", ENTERED_BY, now)
        ledger.act(tenant, fields, "approve", APPROVED_BY, now)
        added += 1
    return added


def _load_figures(ledger: Ledger, store: KpiStore) -> int:
    added = 0
    for name in FIGURES:
        spec = read(name)
        added += _approve(ledger, store, spec["tenant"], _cited(spec))
    spec = read(VILLAGES)
    tenant = spec["tenant"]
    count = next(u["village_count"] for u in builtin_tree.units() if u["code"] == tenant)
    return added + _approve(ledger, store, tenant, village_figures(
        spec, read(FIGURES[0]), ledger.tree.villages(tenant), count))


def _load_targets(ledger: Ledger) -> int:
    spec = read(TARGETS)
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for row in spec["targets"]:
        ledger.set_target(spec["unit"], {"period": spec["period"],
                                         "source_document": f"{spec['source_document']}, "
                                                            f"{row.pop('cite')}", **row},
                          ENTERED_BY, now)
    return len(spec["targets"])


def load(store: KpiStore, ledger: Ledger) -> dict:
    spec = read(DOSSIERS)
    recorded = ledger.record_dossiers(spec["tenant"], dossier_events(spec))
    return {"figures": _load_figures(ledger, store), "targets": _load_targets(ledger),
            "dossier_events": recorded}


def seed(settings) -> str:
    """Demo data for `commune seed` (catalog.DEMO_SEEDS); prints the Q1/2026 figures."""
    client = make_client(settings)
    store = KpiStore(client[database_name(settings, "kpi")])
    store.ensure_indexes()
    tree = tree_from(client[database_name(settings, "directory")])
    loaded = load(store, Ledger(store, tree()))
    reports = Reports(store, tree)
    q1 = parse_period("2026-Q1")
    lines = [f"{loaded['figures']} new approved figures, {loaded['targets']} targets, "
             f"{loaded['dossier_events']} new dossier events"]
    for tenant in ("binh-lu", "lung-phinh"):
        for row in reports.commune(tenant, q1):
            if row["value"] is not None:
                counts = (f" ({row['numerator']:,}/{row['denominator']:,})"
                          if row["denominator"] is not None else "")
                unit = "%" if row["kind"] == "ratio" else ""
                lines.append(f"  {tenant} Q1/2026 {row['indicator']}: {row['value']:g}{unit}"
                             f"{counts}{' ' + row['status'] if row['target'] else ''}")
    for village in reports.villages("binh-lu", q1):
        shown = [f"{r['indicator']} {r['numerator']:g}/{r['denominator']:g}"
                 for r in village["rows"] if r["value"] is not None]
        lines.append(f"  binh-lu Q1/2026 {village['unit']}: {', '.join(shown)} (dossiers: "
                     "the demo's even split of the commune's, not the village's own)")
    total = dossiers.table(store.read_packed("boards", "lung-phinh|dossiers"), q1)["total"]
    lines.append("  lung-phinh Q1/2026 dossiers: " + ", ".join(f"{k} {v}"
                                                              for k, v in total.items()))
    return "\n".join(lines)
