"""The operations centre: live alerts with counts and filters, the operator's moves,
silences, an offline map of locations and devices, handling figures."""
import datetime as dt
import html
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, StreamingResponse

from services.common import errors

from .boundary import outline
from .i18n import TIMEZONE, word
from .live import alert_stream
from .web import CheckedForm, Me, Viewer, lang_of

router = APIRouter()
OPERATORS = ("admin", "operator")
STATUSES = ("ALERT_STATUS_OPEN", "ALERT_STATUS_ACKNOWLEDGED", "ALERT_STATUS_ESCALATED",
            "ALERT_STATUS_RESOLVED")
SEVERITIES = ("ALERT_SEVERITY_CRITICAL", "ALERT_SEVERITY_HIGH", "ALERT_SEVERITY_MEDIUM",
              "ALERT_SEVERITY_LOW")
ACTIONS = ("acknowledge", "resolve", "false_positive")
DEVICE_HEALTH_RULE = "device-health"


def _api(commune: str) -> str:
    return f"/api/v1/communes/{commune}/ioc"


def _filters(request: Request) -> dict:
    q = request.query_params
    return {"status": q.get("status", "") if q.get("status") in STATUSES else "",
            "severity": q.get("severity", "") if q.get("severity") in SEVERITIES else "",
            "rule": q.get("rule", "")[:64], "location": q.get("location", "")[:64]}


def _alerts(me: Viewer, commune: str, filters: dict) -> list[dict]:
    params = {"pageSize": 200, "status": filters["status"], "severity": filters["severity"],
              "ruleId": filters["rule"]}
    with me.client() as api:
        alerts = api.get("iocevents", _api(commune) + "/alerts",
                         {k: v for k, v in params.items() if v})["alerts"]
    if filters["location"]:
        alerts = [a for a in alerts if filters["location"] in a["locations"]]
    return alerts


def _counts(alerts: list[dict]) -> dict:
    active = [a for a in alerts if a["status"] != "ALERT_STATUS_RESOLVED"]
    return {"active": len(active),
            **{s: sum(a["severity"] == s for a in active) for s in SEVERITIES}}


def _panel(me: Viewer, commune: str, filters: dict, registry: dict | None = None,
           oob: bool = False) -> tuple[HTMLResponse, dict]:
    """The alerts, their counts and the map coloured by the same alerts (refreshed beside
    them as htmx's out-of-band swap)."""
    alerts = _alerts(me, commune, filters)
    if registry is None:
        with me.client() as api:
            registry = api.get("iocevents", _api(commune) + "/registry")
    located = _map(registry, alerts, lang_of(me.request))
    page = me.page("ioc_alerts.html", commune=commune, alerts=alerts, counts=_counts(alerts),
                   may_move=me.role in OPERATORS, actions=ACTIONS, map=located, oob=oob)
    return page, located


@router.get("/c/{commune}/ioc")
def ioc_page(request: Request, commune: str, me: Me):
    me.require("ioc", commune)
    filters = _filters(request)
    with me.client() as api:
        registry = api.get("iocevents", _api(commune) + "/registry")
        rules = api.get("iocevents", _api(commune) + "/rules")["rules"]
        silences = api.get("iocevents", _api(commune) + "/silences")["silences"]
        stats = api.get("iocevents", _api(commune) + "/stats")
    panel, located = _panel(me, commune, filters, registry)
    return me.page("ioc.html", active="ioc", commune=commune, filters=filters,
                   statuses=STATUSES, severities=SEVERITIES, rules=rules, registry=registry,
                   silences=silences, stats=stats, map=located, outline=outline(commune),
                   may_move=me.role in OPERATORS, alerts_html=panel.body.decode())


@router.get("/c/{commune}/ioc/alerts")
def ioc_alerts(request: Request, commune: str, me: Me):
    me.require("ioc", commune)
    return _panel(me, commune, _filters(request), oob=True)[0]


@router.get("/c/{commune}/ioc/stream")
def ioc_stream(request: Request, commune: str, me: Me):
    me.require("ioc", commune)
    target = me.app.console.ioc_grpc_target(me.app.settings)
    return StreamingResponse(alert_stream(target, me.token, commune, lang_of(request)),
                             media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


@router.post("/c/{commune}/ioc/alerts/{alert_id}/move")
def move_alert(request: Request, commune: str, alert_id: str, me: Me, form: CheckedForm):
    me.require("ioc", commune)
    action = form.get("action", "")
    if action not in ACTIONS:
        raise errors.InvalidArgument(f"action: one of {', '.join(ACTIONS)}")
    with me.client() as api:
        api.post("iocevents", f"{_api(commune)}/alerts/{quote(alert_id, safe='')}/{action}",
                 {"note": form.get("note", "")[:1000]})
    if request.headers.get("HX-Request"):
        done = word(lang_of(request), action)
        return HTMLResponse(f'<span role="status">✓ {html.escape(done)}</span>')
    return RedirectResponse(f"/c/{commune}/ioc", 303)


def _utc(local: str, field: str) -> str:
    """A datetime-local field (the commune's time) as UTC ISO 8601."""
    try:  # OverflowError: a time on 1 January of year 1 is in year 0 in UTC
        at = dt.datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(TIMEZONE))
        return at.astimezone(dt.UTC).isoformat()
    except (ValueError, OverflowError):
        raise errors.InvalidArgument(f"{field}: a date and time", {field: "invalid"}) from None


@router.post("/c/{commune}/ioc/silences")
def save_silence(commune: str, me: Me, form: CheckedForm):
    me.require("ioc", commune)
    body = {"id": form.get("id", ""), "reason": form.get("reason", ""),
            "startsAt": _utc(form.get("startsAt", ""), "startsAt"),
            "endsAt": _utc(form.get("endsAt", ""), "endsAt"),
            "ruleIds": form.getlist("ruleIds"), "locations": form.getlist("locations")}
    with me.client() as api:
        api.request("PUT", "iocevents", _api(commune) + "/silences", json=body)
    return RedirectResponse(f"/c/{commune}/ioc#silences", 303)


@router.post("/c/{commune}/ioc/silences/{silence_id}/end")
def end_silence(commune: str, silence_id: str, me: Me, _: CheckedForm):
    me.require("ioc", commune)
    with me.client() as api:
        api.post("iocevents", f"{_api(commune)}/silences/{quote(silence_id, safe='')}/end")
    return RedirectResponse(f"/c/{commune}/ioc#silences", 303)


@router.get("/c/{commune}/ioc/watchlist")
def watchlist(commune: str, me: Me):
    """The watchlist, for admins; the service audits every reading."""
    me.require("ioc", commune)
    with me.client() as api:
        entries = api.get("iocevents", _api(commune) + "/watchlist")["entries"]
    return me.page("ioc_watchlist.html", active="ioc", commune=commune, entries=entries)


def _map(registry: dict, alerts: list[dict], lang: str) -> dict:
    """What the offline map draws (static/ioc_map.js): each location with its devices,
    its worst active alert and whether a device fell silent, and a line saying so; each
    village's name above its northernmost location."""
    worst, silent = {}, set()
    for alert in alerts:
        if alert["status"] == "ALERT_STATUS_RESOLVED":
            continue
        for code in alert["locations"]:
            if alert["ruleId"] == DEVICE_HEALTH_RULE:
                silent.add(code)
            elif code not in worst or (SEVERITIES.index(alert["severity"])
                                       < SEVERITIES.index(worst[code])):
                worst[code] = alert["severity"]
    devices = {}
    for device in registry["cameras"] + registry.get("sensors", []):
        devices.setdefault(device["location"], []).append(device["code"])
    points = [{"code": p["code"], "name": p["name"], "village": p.get("village", ""),
               "latitude": p["latitude"], "longitude": p["longitude"],
               "devices": devices.get(p["code"], []), "severity": worst.get(p["code"], ""),
               "silent": p["code"] in silent} for p in registry["locations"]]
    for point in points:
        said = [f"{point['name']} ({point['village']}): {len(point['devices'])} "
                f"{word(lang, 'devices').lower()}"]
        if point["severity"]:
            said.append(word(lang, point["severity"]))
        if point["silent"]:
            said.append(word(lang, "silent"))
        point["label"] = " · ".join(said)
    villages = {}
    for point in points:
        villages.setdefault(point["village"], []).append(point)
    labels = [{"name": name, "latitude": max(p["latitude"] for p in group),
               "longitude": round(sum(p["longitude"] for p in group) / len(group), 5)}
              for name, group in villages.items() if name]
    return {"points": points, "villages": labels}
