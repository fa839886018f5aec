"""Bình Lư's IOC demo (demo/binh-lu-ioc.yaml, citing its source): 16 key locations with
2-3 AI cameras each, barn cameras and temperature sensors at farms in Tân Bình, Hưng Bình
and Nà Đa, the commune's rules and a small watchlist. Loading twice changes nothing."""
import datetime as dt
from importlib import resources

import yaml

from services.common.mongo import database_name, make_client

from .model import Registry, WatchlistEntry
from .rules import parse_rule, rule_document
from .store import IocStore

LOADED_BY = "demo-loader"
# The commune centre: locations are placed around it (illustrative coordinates).
CENTRE = (22.27, 103.63)
VILLAGE_OFFSET = {"Tân Bình": (0.0, 0.0), "Hưng Bình": (0.02, 0.015), "Nà Đa": (-0.015, 0.025)}


def demo() -> dict:
    return yaml.safe_load(resources.files(__package__).joinpath("demo", "binh-lu-ioc.yaml")
                          .read_text("utf-8"))


def _place(row: dict, n: int) -> dict:
    dlat, dlon = VILLAGE_OFFSET[row["village"]]
    return {"code": row["code"], "name": row["name"], "village": row["village"],
            "latitude": round(CENTRE[0] + dlat + 0.001 * (n % 5), 5),
            "longitude": round(CENTRE[1] + dlon + 0.001 * (n // 5), 5)}


def registry(data: dict) -> Registry:
    locations, cameras, sensors = [], [], []
    for n, row in enumerate(data["locations"]):
        locations.append(_place(row, n))
        for i, kind in enumerate(row["cameras"], start=1):
            cameras.append({"code": f"cam-{row['code']}-{i}", "location": row["code"],
                            "kind": kind, "capabilities": data["capabilities"][kind]})
    band = data["barn_temperature"]
    for n, farm in enumerate(data["farms"], start=len(locations)):
        locations.append(_place(farm, n))
        cameras.append({"code": f"cam-{farm['code']}", "location": farm["code"],
                        "kind": "barn", "capabilities": data["capabilities"]["barn"]})
        sensors.append({"code": f"nhiet-do-{farm['code']}", "location": farm["code"],
                        "kind": "temperature", "unit": band["unit"],
                        "thresholds": {k: band[k] for k in ("high", "low", "hysteresis")}})
    return Registry.model_validate({"locations": locations, "cameras": cameras,
                                    "sensors": sensors})


def watchlist(data: dict, today: dt.date) -> list[WatchlistEntry]:
    return [WatchlistEntry.model_validate(
        {**{k: v for k, v in row.items() if k != "days"},
         "expires_at": dt.datetime.combine(today + dt.timedelta(days=row["days"]), dt.time(),
                                           dt.UTC)})
        for row in data["watchlist"]]


def load(store: IocStore, today: dt.date) -> str:
    data = demo()
    tenant, places = data["tenant"], registry(data)
    store.save_registry(tenant, places)
    for raw in data["rules"]:
        store.save_rule(tenant, rule_document(parse_rule(raw, places)))
    entries = store.watchlist(tenant)
    if not entries:  # keep expiry dates once set: a reload must not extend them
        for entry in watchlist(data, today):
            store.save_watchlist_entry(tenant, entry.model_dump(mode="json"))
    return (f"{len(places.locations)} locations, {len(places.cameras)} cameras, "
            f"{len(places.sensors)} sensors, {len(data['rules'])} rules")


def seed(settings) -> str:
    store = IocStore(make_client(settings)[database_name(settings, "iocevents")])
    store.ensure_indexes()
    return load(store, dt.datetime.now(dt.UTC).date())
