"""The figures of a quarterly report, read from the services' documented HTTP APIs with
the caller's bearer token (never from the databases): what the token may not read is
refused by the service, as it would be for the caller."""
import datetime as dt
from dataclasses import dataclass
from urllib.parse import quote

from services.common.api_client import ServiceClient
from services.common.periods import VIETNAM, Period

PAGE = 200
CLOSED_TASKS = {"TASK_STATUS_DONE", "TASK_STATUS_STOPPED", "TASK_STATUS_REPLACED"}


@dataclass(frozen=True)
class Facts:
    """Everything the report says that the platform holds, as the APIs answered it."""

    commune: str
    period: Period
    taken: dt.datetime  # when the figures were read (Vietnam time)
    as_of: dt.datetime  # the moment the period's figures describe: its end, or `taken`
    kpi_rows: list[dict]
    kpi_sources: dict[str, str]  # indicator -> source document of its approved figure
    task_summary: dict
    unit_names: dict[str, str]
    flagged: list[dict]  # the quarterly review's flagged tasks, as of `as_of`
    next_tasks: list[dict]  # tasks due in the next quarter, not closed at `as_of`
    alert_stats: dict  # the IOC's alerts opened in the period, as they stood at `as_of`
    batches: list[dict]  # batches produced in the period, eventCount: their events by `as_of`
    product_names: dict[str, str]


def next_quarter(period: Period) -> Period:
    if period.number == 4:
        return Period("quarter", period.year + 1, 1)
    return Period("quarter", period.year, period.number + 1)


def collect(client: ServiceClient, commune: str, period: Period,
            taken: dt.datetime) -> Facts:
    """The period's figures: once it is over, as they stood at its end (the services
    undo what came later), so that a report made later says the same."""
    base = f"/api/v1/communes/{commune}"
    label = period.label()
    as_of = min(taken, period.span()[1])
    # once the period is over: the tasks as they stood at the start of the day after it
    after = (period.last_day + dt.timedelta(days=1)).isoformat()
    then = {"asOf": after} if as_of < taken else {}
    rows = client.get("kpi", f"{base}/kpi/report", {"period": label}).get("rows", [])
    directory = client.get("tasks", f"{base}/units")
    batches = [b for b in client.get("trace", f"{base}/trace/batches").get("batches", [])
               if period.contains(dt.date.fromisoformat(b["producedOn"]))]
    return Facts(
        commune=commune, period=period, taken=taken.astimezone(VIETNAM),
        as_of=as_of.astimezone(VIETNAM),
        kpi_rows=rows,
        kpi_sources=_kpi_sources(client, base, label, rows),
        task_summary=client.get("tasks", f"{base}/task-summary", {"period": label, **then}),
        unit_names={u["code"]: u["name"] for u in directory.get("units", [])},
        flagged=client.get("tasks", f"{base}/task-review", then).get("flagged", []),
        next_tasks=[t for t in _pages(client, "tasks", f"{base}/tasks", "tasks",
                                      {"period": next_quarter(period).label(), **then})
                    if t["status"] not in CLOSED_TASKS],
        alert_stats=client.get("iocevents", f"{base}/ioc/stats", {"period": label}),
        batches=[{**b, "eventCount": _events_by(client, base, b, as_of)} for b in batches],
        product_names={p["gtin"]: p["nameVi"] for p in
                       _pages(client, "trace", f"{base}/trace/products", "products")},
    )


def _events_by(client: ServiceClient, base: str, batch: dict, moment: dt.datetime) -> int:
    """The events of a batch's chain that took place before `moment`."""
    path = f"{base}/trace/batches/{quote(batch['gtin'])}/{quote(batch['lot'], safe='/')}"
    timeline = client.get("trace", path).get("timeline", [])
    return sum(dt.datetime.fromisoformat(e["time"]) < moment for e in timeline)


def _kpi_sources(client: ServiceClient, base: str, label: str, rows: list[dict]) -> dict:
    """The document each entered figure was taken from, as its latest revision naming
    one says (figures derived from events have no history)."""
    sources = {}
    for row in rows:
        if not row.get("hasValue") or row.get("source") != "manual":
            continue
        history = client.get("kpi", f"{base}/kpi/measurements/history",
                             {"indicator": row["indicator"], "period": label})
        named = [r["sourceDocument"] for r in history.get("revisions", [])
                 if r.get("sourceDocument")]
        if named:
            sources[row["indicator"]] = named[-1]
    return sources


def _pages(client: ServiceClient, service: str, path: str, key: str, params=None):
    token = ""
    while True:
        answer = client.get(service, path, {**(params or {}), "pageSize": PAGE,
                                            "pageToken": token})
        yield from answer.get(key, [])
        token = answer.get("nextPageToken", "")
        if not token:
            return
