"""What operators and officers do with the IOC, written once for RPC, HTTP and gRPC:
read alerts, move them through their lifecycle, edit rules, silences, the registry and
the watchlist. Alerts are written by the pipeline only: a move is recorded here (once,
see IocStore.record_action) and sent to the pipeline as a command; every edit of a
commune's configuration tells the pipeline to reload it."""

from kombu.exceptions import OperationalError

from services.common.clock import now
from services.common.errors import FailedPrecondition, InvalidArgument, Unavailable, validated
from services.common.publisher import Publisher

from . import alerts as al
from .broker import publish_command
from .contract import alert_view
from .model import Registry, WatchlistEntry
from .rules import Severity, parse_rule, rule_document
from .store import IocStore

READERS = ("admin", "officer", "operator", "province")
OPERATORS = ("admin", "operator")
# Watchlists hold personal data (Decree 13/2023): only these roles read them, audited.
WATCHLIST_ROLES = ("admin",)
STATUSES = (al.OPEN, al.ACKNOWLEDGED, al.RESOLVED, al.SUPPRESSED)


class Operations:
    def __init__(self, store: IocStore, publisher: Publisher):
        self.store = store
        self.publisher = publisher

    def _send(self, action: str, command: dict) -> None:
        try:
            publish_command(self.publisher, action, command)
        except (OperationalError, ConnectionError) as exc:
            raise Unavailable(f"the broker did not take the command: {exc}") from None

    # --- alerts -------------------------------------------------------------------------

    def list_alerts(self, tenant: str, filters: dict | None) -> dict:
        filters = filters or {}
        if not isinstance(filters, dict) or not all(
                isinstance(filters.get(k, ""), str) for k in ("status", "severity", "rule_id")):
            raise InvalidArgument("filters are status, severity and rule_id, each text")
        status, severity = filters.get("status", ""), filters.get("severity", "")
        if status and status not in STATUSES:
            raise InvalidArgument(f"status is one of {', '.join(STATUSES)}", {"status": "unknown"})
        if severity and severity not in set(Severity):
            raise InvalidArgument("severity is low, medium, high or critical",
                                  {"severity": "unknown"})
        rows = self.store.alerts(tenant, status=status, severity=severity,
                                 rule_id=filters.get("rule_id", ""))
        return {"alerts": [alert_view(r) for r in rows], "totalSize": len(rows)}

    def _alert(self, tenant: str, alert_id: str) -> dict:
        if not isinstance(alert_id, str):  # over RPC, a dict would be a query
            raise InvalidArgument("alert id is text", {"alert_id": "invalid"})
        return self.store.alert(tenant, alert_id)

    def get_alert(self, tenant: str, alert_id: str) -> dict:
        return alert_view(self._alert(tenant, alert_id))

    def move(self, tenant: str, alert_id: str, action: str, by: str, note: str = "") -> dict:
        """acknowledge, resolve or false_positive; the view returned shows the move, which
        the pipeline applies within moments (202 on HTTP)."""
        if action not in ("acknowledge", "resolve", "false_positive"):
            raise InvalidArgument(f"unknown move {action!r}")
        if not isinstance(note, str) or len(note) > 1000:
            raise InvalidArgument("note is text of at most 1000 characters", {"note": "invalid"})
        alert = self._alert(tenant, alert_id)
        allowed = (al.OPEN,) if action == "acknowledge" else (al.OPEN, al.ACKNOWLEDGED,
                                                               al.SUPPRESSED)
        if alert["status"] not in allowed:
            raise FailedPrecondition(f"alert {alert_id!r} is {alert['status']}")
        at = now()
        self.store.record_action(alert, action, by, note, at)
        try:
            self._send(action, {"tenant": tenant, "alert_id": alert_id, "by": by,
                                "note": note})
        except Unavailable:
            self.store.forget_action(alert_id, action)
            raise
        if action == "acknowledge":
            alert.update(status=al.ACKNOWLEDGED, acknowledged_by=by, acknowledged_at=at)
        else:
            alert.update(status=al.RESOLVED, resolved_by=by, resolved_at=at,
                         false_positive=action == "false_positive")
        return alert_view(alert)

    def stats(self, tenant: str) -> dict:
        rows = self.store.alerts(tenant)
        return {**al.response_times(rows), "false_positives": al.false_positive_counts(rows),
                "open": sum(r["status"] == al.OPEN for r in rows)}

    # --- configuration ------------------------------------------------------------------

    def _changed(self, tenant: str, by: str, what: str) -> None:
        self.store.audit(tenant, by, "edit", what, now())
        self._send("reload", {"tenant": tenant})

    def rules(self, tenant: str) -> list[dict]:
        return self.store.rules(tenant)

    def save_rule(self, tenant: str, raw, by: str) -> dict:
        rule = rule_document(parse_rule(raw, self.store.registry(tenant)))
        self.store.save_rule(tenant, rule)
        self._changed(tenant, by, f"rule {rule['id']}")
        return rule

    def delete_rule(self, tenant: str, rule_id: str, by: str) -> None:
        self.store.delete_rule(tenant, rule_id)
        self._changed(tenant, by, f"rule {rule_id} deleted")

    def silences(self, tenant: str) -> list[dict]:
        return self.store.silences(tenant)

    def save_silence(self, tenant: str, raw, by: str) -> dict:
        raw = {**raw, "created_by": by} if isinstance(raw, dict) else raw
        silence = validated(al.Silence, raw, "silence").model_dump(mode="json")
        self.store.save_silence(tenant, silence)
        self._changed(tenant, by, f"silence {silence['id']}")
        return silence

    def end_silence(self, tenant: str, silence_id: str, by: str) -> dict:
        """End a silence now, keeping it; the pipeline reloads it, so what it matched
        alerts again."""
        if not isinstance(silence_id, str):  # over RPC, a dict would be a query
            raise InvalidArgument("silence id is text", {"silence_id": "invalid"})
        silence = al.Silence.model_validate(self.store.silence(tenant, silence_id))
        ended = silence.ended(now()).model_dump(mode="json")
        self.store.save_silence(tenant, ended)
        self._changed(tenant, by, f"silence {silence_id} ended")
        return ended

    def registry(self, tenant: str) -> dict:
        return self.store.registry(tenant).model_dump(mode="json")

    def save_registry(self, tenant: str, raw, by: str) -> dict:
        registry = validated(Registry, raw, "registry")
        self.store.save_registry(tenant, registry)
        self._changed(tenant, by, "registry")
        return registry.model_dump(mode="json")

    def watchlist(self, tenant: str, by: str) -> list[dict]:
        """The watchlist, with the reading recorded (who, when)."""
        self.store.audit(tenant, by, "read", "watchlist", now())
        return self.store.watchlist(tenant)

    def save_watchlist_entry(self, tenant: str, raw, by: str) -> dict:
        entry = validated(WatchlistEntry, raw, "watchlist entry")
        entry = entry.model_dump(mode="json")
        self.store.save_watchlist_entry(tenant, entry)
        self._changed(tenant, by, f"watchlist entry {entry['id']}")
        return entry

    def audit_trail(self, tenant: str) -> list[dict]:
        return [{**row, "at": row["at"].isoformat()} for row in self.store.audit_trail(tenant)]
