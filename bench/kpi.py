"""The province roll-up: one province of 100 communes, 50 indicators (ratios), 12 months
of approved figures. It times one province report per month (in the process, as the
gRPC server builds it, and over gRPC), how that time grows from 10 to 100 communes, and
one commune report over gRPC (p50/p99), beside the same roll-up computed in plain Python
from the raw revision documents in the same database in the same run.

    .venv/bin/python -m bench.kpi [--communes 100] [--indicators 50] [--calls 200]

Everything runs in a namespace of its own (databases, exchanges, queues), removed at
the end, whatever happens."""
import argparse
import datetime as dt
import json
import random
import time

import grpc

from bench.harness import bench_namespace, percentile, progress
from commune.v1 import kpi_pb2, kpi_pb2_grpc
from services.common.auth import issue_token
from services.common.mongo import database_name, make_client
from services.common.periods import Period
from services.kpi import domain
from services.kpi.indicators import Indicator, period_key
from services.kpi.keys import (
    cell_key,
    measurements_collection,
    revision_id,
    sheet_id,
    sheets_collection,
)
from services.kpi.orgtree import OrgTree
from services.kpi.protos import period_message
from services.kpi.reading import Reports, tree_from
from services.kpi.store import KpiStore
from tests.helpers import remove_namespace, start_grpc

PROVINCE = "bench-province"
YEAR = 2026
SIZES = (10, 25, 50, 100)
# The raw roll-up reads every revision document: seconds a month, so three months.
RAW_MONTHS = (1, 6, 12)
PROVINCE_TARGET_S = 1.0
COMMUNE_P99_TARGET_MS = 50.0
NOW = dt.datetime(YEAR, 12, 31, tzinfo=dt.UTC)
SEED = 20260101


def definitions(count: int) -> list[Indicator]:
    return [Indicator(code=f"bench-{i:02d}", name_vi=f"Chỉ tiêu {i}", name_en=f"Indicator {i}",
                      kind="ratio", numerator="a", denominator="b") for i in range(count)]


def communes(count: int) -> list[str]:
    return [f"bench-c{i:03d}" for i in range(count)]


def load(store: KpiStore, directory, indicators: list[Indicator], codes: list[str]) -> int:
    """The org tree, the definitions, and for every commune and month one approved
    figure per indicator: its three revisions (entered, submitted, approved) and the
    month's sheet, as the ledger writes them."""
    directory.units.insert_many(
        [{"_id": PROVINCE, "code": PROVINCE, "name": "Tỉnh", "kind": "province",
          "parent_code": ""}] +
        [{"_id": c, "code": c, "name": c, "kind": "commune", "parent_code": PROVINCE}
         for c in codes])
    for definition in indicators:
        store.save_indicator(definition)
    rng = random.Random(SEED)
    revisions = 0
    for month in range(1, 13):
        key = period_key(Period("month", YEAR, month))
        sheets, records = [], []
        for commune in codes:
            cells = {}
            for definition in indicators:
                den = rng.randint(50, 1000)
                revision = domain.revise(definition, None, {
                    "numerator": rng.randint(0, den), "denominator": den}, "bench", NOW)
                chain = [revision]
                for action in ("submit", "approve"):
                    chain.append(domain.move(chain[-1], action, "bench", NOW))
                cells[cell_key(definition.code, commune)] = {
                    "current": domain.summary(chain[-1]),
                    "approved": domain.summary(chain[-1])}
                records += [{"_id": revision_id(commune, definition.code, commune, key,
                                                r["rev"]), "tenant": commune,
                             "indicator": definition.code, "unit": commune, "period": key,
                             **r} for r in chain]
            sheets.append({"_id": sheet_id(commune, key), "tenant": commune, "version": 1,
                           "data": json.dumps({"cells": cells}), "outbox": {}})
        store.db[sheets_collection(key)].insert_many(sheets)
        for start in range(0, len(records), 5000):
            store.db[measurements_collection(key)].insert_many(records[start:start + 5000])
        revisions += len(records)
        progress(f"loaded month {month}/12 ({revisions} revisions)")
    for commune in codes:
        store.register(commune, "sheets", *(period_key(Period("month", YEAR, m))
                                            for m in range(1, 13)))
    return revisions


def raw_roll_up(store: KpiStore, key: str, codes: set[str]) -> dict[str, tuple]:
    """The baseline: the approved revisions of the month read straight from the raw
    documents, the latest per figure kept, numerators and denominators summed."""
    latest: dict[tuple, dict] = {}
    for doc in store.db[measurements_collection(key)].find({"status": "approved"},
                                          {"_id": 0, "indicator": 1, "unit": 1, "rev": 1,
                                           "num": 1, "den": 1}):
        if doc["unit"] in codes:
            figure = (doc["indicator"], doc["unit"])
            if figure not in latest or latest[figure]["rev"] < doc["rev"]:
                latest[figure] = doc
    sums: dict[str, list] = {}
    for (indicator, _), doc in latest.items():
        total = sums.setdefault(indicator, [0, 0])
        total[0] += doc["num"]
        total[1] += doc["den"]
    return {i: (n, d, round(100 * n / d, 2)) for i, (n, d) in sums.items()}


def timed_s(call) -> tuple[float, object]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communes", type=int, default=100)
    parser.add_argument("--indicators", type=int, default=50)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    with bench_namespace() as (settings, cleanup):
        cleanup.callback(remove_namespace, settings)
        client = make_client(settings)
        store = KpiStore(client[database_name(settings, "kpi")])
        store.ensure_indexes()
        directory = client[database_name(settings, "directory")]
        codes = communes(args.communes)
        indicators = definitions(args.indicators)
        seconds, revisions = timed_s(lambda: load(store, directory, indicators, codes))
        progress(f"{revisions} revisions and {12 * len(codes)} sheets in {seconds:.0f} s")
        reports = Reports(store, tree_from(directory))
        bench_codes = {d.code for d in indicators}

        print(f"province report: {len(codes)} communes x {len(indicators)} indicators "
              f"(+{len(reports.definitions()) - len(indicators)} built-in ones without "
              f"figures), one month")
        print(f"{'month':>8} {'report s':>9} {'raw s':>7} {'raw/report':>10}")
        report_s, raw_s = [], []
        for month in range(1, 13):
            period = Period("month", YEAR, month)
            took, result = timed_s(lambda p=period: reports.province(PROVINCE, p))
            report_s.append(took)
            if month not in RAW_MONTHS:
                print(f"{period_key(period):>8} {took:9.3f}")
                continue
            raw_took, raw = timed_s(lambda p=period: raw_roll_up(store, period_key(p),
                                                                  set(codes)))
            rows = {r["indicator"]: (r["numerator"], r["denominator"], r["value"])
                    for r in result["rows"] if r["indicator"] in bench_codes}
            if rows != raw:
                raise SystemExit(f"month {month}: the report and the raw roll-up differ")
            raw_s.append(raw_took)
            print(f"{period_key(period):>8} {took:9.3f} {raw_took:7.3f} "
                  f"{raw_took / took:10.1f}")
        print(f"province report: median {percentile(report_s, 50):.3f} s, max "
              f"{max(report_s):.3f} s (target <= {PROVINCE_TARGET_S} s: "
              f"{'met' if max(report_s) <= PROVINCE_TARGET_S else 'NOT met'}); raw roll-up "
              f"median {percentile(raw_s, 50):.3f} s, every figure equal to the report's")

        print(f"\ngrowth (month 2026-06, median of 3): {'communes':>8} {'s':>7} "
              f"{'ms/commune':>10}")
        june = Period("month", YEAR, 6)
        full_tree = tree_from(directory)()
        for size in [s for s in SIZES if s <= len(codes)]:
            tree = OrgTree({**{c: full_tree.units[c] for c in codes[:size]},
                            PROVINCE: full_tree.units[PROVINCE]})
            sized = Reports(store, lambda t=tree: t)
            took = percentile([timed_s(lambda r=sized: r.province(PROVINCE, june))[0]
                               for _ in range(3)], 50)
            print(f"{'':36}{size:>8} {took:7.3f} {1000 * took / size:10.2f}")

        progress("starting commune-grpc kpi")
        process = start_grpc(settings, "kpi")
        cleanup.callback(process.stop)
        token = issue_token(settings, "bench", "province", codes)
        metadata = [("authorization", f"Bearer {token}")]
        with grpc.insecure_channel(f"127.0.0.1:{process.grpc_port}") as channel:
            stub = kpi_pb2_grpc.KpiServiceStub(channel)
            province_ms = [1000 * timed_s(lambda m=m: stub.GetReport(kpi_pb2.GetReportRequest(
                unit=PROVINCE, period=period_message(Period("month", YEAR, m))),
                metadata=metadata, timeout=60))[0] for m in range(1, 13)]
            rng = random.Random(SEED)
            commune_ms = [1000 * timed_s(lambda: stub.GetReport(kpi_pb2.GetReportRequest(
                unit=rng.choice(codes), period=period_message(Period(
                    "month", YEAR, rng.randint(1, 12)))), metadata=metadata, timeout=60))[0]
                for _ in range(args.calls)]
        p99 = percentile(commune_ms, 99)
        print(f"\nover gRPC: province report p50 {percentile(province_ms, 50):.0f} ms, max "
              f"{max(province_ms):.0f} ms (12 months); commune report ({args.calls} calls) "
              f"p50 {percentile(commune_ms, 50):.1f} ms, p99 {p99:.1f} ms (target <= "
              f"{COMMUNE_P99_TARGET_MS:.0f} ms: "
              f"{'met' if p99 <= COMMUNE_P99_TARGET_MS else 'NOT met'})")


if __name__ == "__main__":
    main()
