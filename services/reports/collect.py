"""The figures of a quarterly report, read from the services' documented HTTP APIs with
the caller's bearer token (never from the databases): what the token may not read is
refused by the service, as it would be for the caller."""
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from services.common.api_client import ServiceClient
from services.common.periods import Period

# Quarters and days as the commune counts them: Vietnam's time, which has no summer time.
VIETNAM = dt.timezone(dt.timedelta(hours=7), "ICT")
PAGE = 200
CLOSED_TASKS = {"TASK_STATUS_DONE", "TASK_STATUS_STOPPED", "TASK_STATUS_REPLACED"}


@dataclass(frozen=True)
class Alerts:
    """The IOC's alerts opened in the period."""

    opened: int = 0
    by_severity: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)
    false_positives: int = 0


@dataclass(frozen=True)
class Facts:
    """Everything the report says that the platform holds, as the APIs answered it."""

    commune: str
    period: Period
    taken: dt.datetime  # when the figures were read (Vietnam time)
    kpi_rows: list[dict]
    kpi_sources: dict[str, str]  # indicator -> source document of its approved figure
    task_summary: dict
    unit_names: dict[str, str]
    flagged: list[dict]  # the quarterly review's flagged tasks, as of `taken`
    next_tasks: list[dict]  # tasks due in the next quarter, not closed
    alerts: Alerts
    alert_stats: dict  # MTTA/MTTR and counts to date (the API takes no period)
    batches: list[dict]  # batches produced in the period
    product_names: dict[str, str]


def next_quarter(period: Period) -> Period:
    if period.number == 4:
        return Period("quarter", period.year + 1, 1)
    return Period("quarter", period.year, period.number + 1)


def collect(client: ServiceClient, commune: str, period: Period,
            taken: dt.datetime) -> Facts:
    base = f"/api/v1/communes/{commune}"
    label = period.label()
    rows = client.get("kpi", f"{base}/kpi/report", {"period": label}).get("rows", [])
    directory = client.get("tasks", f"{base}/units")
    return Facts(
        commune=commune, period=period, taken=taken.astimezone(VIETNAM),
        kpi_rows=rows,
        kpi_sources=_kpi_sources(client, base, label, rows),
        task_summary=client.get("tasks", f"{base}/task-summary", {"period": label}),
        unit_names={u["code"]: u["name"] for u in directory.get("units", [])},
        flagged=client.get("tasks", f"{base}/task-review").get("flagged", []),
        next_tasks=[t for t in _pages(client, "tasks", f"{base}/tasks", "tasks",
                                      {"period": next_quarter(period).label()})
                    if t["status"] not in CLOSED_TASKS],
        alerts=opened_alerts(client, base, period),
        alert_stats=client.get("iocevents", f"{base}/ioc/stats"),
        batches=[b for b in client.get("trace", f"{base}/trace/batches").get("batches", [])
                 if period.contains(dt.date.fromisoformat(b["producedOn"]))],
        product_names={p["gtin"]: p["nameVi"] for p in
                       _pages(client, "trace", f"{base}/trace/products", "products")},
    )


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


def opened_alerts(client: ServiceClient, base: str, period: Period) -> Alerts:
    """Alerts opened in the period, counted by severity and by status; the list comes
    newest first, so reading stops at the first alert opened before the period."""
    opened = []
    for alert in _pages(client, "iocevents", f"{base}/ioc/alerts", "alerts"):
        day = dt.datetime.fromisoformat(alert["openTime"]).astimezone(VIETNAM).date()
        if day < period.first_day:
            break
        if period.contains(day):
            opened.append(alert)
    return Alerts(opened=len(opened),
                  by_severity=dict(Counter(a["severity"] for a in opened)),
                  by_status=dict(Counter(a["status"] for a in opened)),
                  false_positives=sum(1 for a in opened if a.get("falsePositive")))
