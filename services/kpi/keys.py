"""The _id keys of the KPI documents (see store.py for why everything is keyed)."""


def sheet_id(unit: str, period_key: str) -> str:
    return f"{unit}|{period_key}"


def board_id(tenant: str, source: str) -> str:
    return f"{tenant}|{source}"


def cell_key(indicator: str, unit: str) -> str:
    return f"{indicator}|{unit}"
