"""The _id keys of the KPI documents (see store.py for why everything is keyed)."""


def sheet_id(unit: str, period_key: str) -> str:
    return f"{unit}|{period_key}"


def board_id(tenant: str, source: str) -> str:
    return f"{tenant}|{source}"


def sheets_collection(period_key: str) -> str:
    """Sheets and revisions live in one collection per period: on FerretDB an _id
    lookup scans rows until it finds its own, so its cost grows with the collection."""
    return f"sheets_{period_key.replace('-', '_')}"


def measurements_collection(period_key: str) -> str:
    return f"measurements_{period_key.replace('-', '_')}"


def cell_key(indicator: str, unit: str) -> str:
    return f"{indicator}|{unit}"


def revision_id(tenant: str, indicator: str, unit: str, period_key: str, rev: int) -> str:
    return f"{tenant}|{indicator}|{unit}|{period_key}|r{rev:04d}"
