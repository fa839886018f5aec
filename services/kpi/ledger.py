"""Every change to a commune's KPI data, written once for RPC, HTTP and the demo loader:
figures entered and moved through approval, targets, dossier events, the boards that
other services' events feed. Each checks its input against the rules (domain.py) and the
org tree before anything is stored."""
import datetime as dt

from commune.v1 import kpi_pb2
from services.common.envelope import Envelope
from services.common.errors import InvalidArgument

from . import domain, dossiers, report
from .indicators import parse_period, period_key
from .keys import board_id, cell_key, revision_id, sheet_id, sheets_collection
from .orgtree import OrgTree
from .protos import period_message, row_message
from .store import KpiStore


def _text(fields: dict, name: str) -> str:
    value = fields.get(name, "")
    if not isinstance(value, str) or not value.strip():
        raise InvalidArgument(f"{name} is required", {name: "required"})
    return value.strip()


def approval_event(tenant: str, indicator: str, unit: str, period_text: str,
                   revision: dict, entered_by: str) -> Envelope:
    counted = revision["den"] is not None
    message = kpi_pb2.KpiMeasurementApproved(
        tenant=tenant, indicator=indicator, unit=unit,
        period=period_message(parse_period(period_text)), revision=revision["rev"],
        has_counts=counted, numerator=revision["num"] or 0,
        denominator=revision["den"] or 0, value=revision["value"],
        approved_by=revision["by"], entered_by=entered_by,
        source_document=revision.get("source_document", ""),
        reason=revision.get("reason", ""))
    return Envelope.wrap("kpi.measurement_approved", "kpi", tenant, message,
                         subject=cell_key(indicator, unit))


TARGET_MESSAGES = {domain.TARGET_MISSED: kpi_pb2.KpiTargetMissed,
                   domain.TARGET_RECOVERED: kpi_pb2.KpiTargetRecovered}


def target_event(event_type: str, tenant: str, period_text: str, row: dict,
                 approved_unit: str, revision: dict) -> Envelope:
    """kpi.target_missed or kpi.target_recovered: the commune's line after an approval."""
    message = TARGET_MESSAGES[event_type](
        tenant=tenant, period=period_message(parse_period(period_text)),
        row=row_message(row), approved_unit=approved_unit, revision=revision["rev"],
        approved_by=revision["by"])
    return Envelope.wrap(event_type, "kpi", tenant, message,
                         subject=cell_key(row["indicator"], tenant))


class Ledger:
    def __init__(self, store: KpiStore, tree: OrgTree):
        self.store = store
        self.tree = tree

    def _where(self, tenant: str, fields: object) -> tuple:
        """(definition, unit, period) of a figure, each checked."""
        if not isinstance(fields, dict):
            raise InvalidArgument("a measurement must be a JSON object")
        definition = self.store.indicator(_text(fields, "indicator"))
        unit = _text(fields, "unit")
        self.tree.check_unit(tenant, unit)
        return definition, unit, parse_period(fields.get("period"))

    def enter(self, tenant: str, fields: object, by: str, now: dt.datetime) -> dict:
        """A figure entered or revised: a new revision, not yet approved."""
        definition, unit, period = self._where(tenant, fields)
        figure = {k: v for k, v in fields.items()
                  if k not in ("indicator", "unit", "period", "reason")}
        reason = str(fields.get("reason", "") or "")

        def change(sheet):
            entry = sheet.setdefault("cells", {}).setdefault(cell_key(definition.code, unit),
                                                             {"current": None,
                                                              "approved": None})
            revision = domain.revise(definition, entry["current"], figure, by, now, reason)
            entry["current"] = domain.summary(revision)
            return entry, [self._record(tenant, definition.code, unit, period, revision)], []
        return self._change_sheet(tenant, period, change)

    def act(self, tenant: str, fields: object, action: str, by: str,
            now: dt.datetime) -> dict:
        """submit, approve or return a figure; an approval is announced, and so is what
        it makes of the commune's line against its target (domain.target_news)."""
        definition, unit, period = self._where(tenant, fields)
        reason = str(fields.get("reason", "") or "")
        around = self._around(tenant, period) if action == "approve" else {}

        def line(sheet):
            """The commune's line for the indicator (approved figures) with this sheet."""
            return report.commune_row(definition, report.UnitData(
                tenant, {**around, sheet_id(tenant, period_key(period)): sheet},
                villages=self.tree.villages(tenant)), period)

        def change(sheet):
            entry = sheet.get("cells", {}).get(cell_key(definition.code, unit)) or {}
            current = entry.get("current") and self.store.revision(
                tenant, definition.code, unit, period_key(period), entry["current"]["rev"])
            revision = domain.move(current, action, by, now, reason)
            entry = {**entry, "current": domain.summary(revision)}
            events = []
            if action == "approve":
                before = line(sheet)
                entry["approved"] = entry["current"]
                entered_by = next((r["by"] for r in reversed(self.store.revisions(
                    tenant, definition.code, unit, period_key(period), revision["rev"] - 1))
                    if r["action"] in ("entered", "revised")), "")
                events.append(approval_event(tenant, definition.code, unit,
                                             period_key(period), revision, entered_by))
            sheet.setdefault("cells", {})[cell_key(definition.code, unit)] = entry
            if action == "approve":
                after = line(sheet)
                if news := domain.target_news(before, after):
                    events.append(target_event(news, tenant, period_key(period), after, unit,
                                               revision))
            return entry, [self._record(tenant, definition.code, unit, period, revision)], \
                events
        return self._change_sheet(tenant, period, change)

    def _around(self, tenant: str, period) -> dict[str, dict]:
        """The commune's other sheets its line for `period` reads: the previous period's
        (the trend) and the enclosing ones' (a target set for the year)."""
        key = period_key(period)
        listed = [k for k in self.store.index(tenant).get("sheets", []) if k != key]
        return self.store.read_sheets(tenant, report.period_keys(period, listed))

    def set_target(self, unit: str, fields: object, by: str, now: dt.datetime) -> dict:
        """A target of a commune or a province, for one indicator and period."""
        if not isinstance(fields, dict):
            raise InvalidArgument("a target must be a JSON object")
        self.tree.kind(unit)
        definition = self.store.indicator(_text(fields, "indicator"))
        period = parse_period(fields.get("period"))
        goal = {**domain.target(definition, {**fields, "unit": unit}), "by": by,
                "at": now.isoformat()}

        def change(sheet):
            sheet.setdefault("targets", {})[cell_key(definition.code, unit)] = goal
            return goal, [], []
        return self._change_sheet(unit, period, change)

    def history(self, tenant: str, fields: object) -> list[dict]:
        definition, unit, period = self._where(tenant, fields)
        key = period_key(period)
        sheet = self.store.read_packed(sheets_collection(key), sheet_id(tenant, key))
        entry = sheet.get("cells", {}).get(cell_key(definition.code, unit))
        if not entry:
            return []
        return self.store.revisions(tenant, definition.code, unit, period_key(period),
                                    entry["current"]["rev"])

    def record_dossiers(self, tenant: str, events: object) -> int:
        """Dossier events (received, resolved, withdrawn), all or none; returns how many
        the register did not hold yet."""
        self.tree.check_unit(tenant, tenant)
        if not isinstance(events, list) or not events:
            raise InvalidArgument("give a list of dossier events", {"events": "required"})
        checked = [dossiers.dossier_event(e) for e in events]

        def change(register):
            return sum(dossiers.apply(register, e) for e in checked), [], []
        added = self.store.change_packed("boards", board_id(tenant, "dossiers"), tenant,
                                         change, indexed=(tenant, "boards", "dossiers"))
        self.store.record_dossier_events(tenant, [e.model_dump(mode="json")
                                                  for e in checked])
        return added

    def _change_sheet(self, unit: str, period, change):
        key = period_key(period)
        return self.store.change_packed(sheets_collection(key), sheet_id(unit, key), unit, change,
                                        indexed=(unit, "sheets", key))

    @staticmethod
    def _record(tenant: str, indicator: str, unit: str, period, revision: dict) -> dict:
        key = revision_id(tenant, indicator, unit, period_key(period), revision["rev"])
        return {"_id": key, "tenant": tenant, "indicator": indicator, "unit": unit,
                "period": period_key(period), **revision}
