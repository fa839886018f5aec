"""Every change to a commune's KPI data, written once for RPC, HTTP and the demo loader:
figures entered and moved through approval, targets, dossier events, the boards that
other services' events feed. Each checks its input against the rules (domain.py) and the
org tree before anything is stored."""
import copy
import datetime as dt

from commune.v1 import kpi_pb2
from services.common.envelope import Envelope
from services.common.errors import InvalidArgument, named_once
from services.common.periods import Period
from services.common.publisher import Publisher

from . import domain, dossiers, report
from .indicators import Indicator, lies_in, parse_period, period_key
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


def target_event(event_type: str, tenant: str, period: Period, row: dict,
                 **cause) -> Envelope:
    """kpi.target_missed or kpi.target_recovered: the commune's line after what changed
    it, `cause`: an approval (approved_unit, revision, approved_by) or a new target
    (target_set_by)."""
    message = TARGET_MESSAGES[event_type](tenant=tenant, period=period_message(period),
                                          row=row_message(row), **cause)
    return Envelope.wrap(event_type, "kpi", tenant, message,
                         subject=cell_key(row["indicator"], tenant))


class Ledger:
    """`events`: where a change's events go as soon as it is stored (the relay sends
    what could not go then); None leaves them all to the relay."""

    def __init__(self, store: KpiStore, tree: OrgTree, events: Publisher | None = None):
        self.store = store
        self.tree = tree
        self.events = events

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

        def change(sheet):
            entry = sheet.get("cells", {}).get(cell_key(definition.code, unit)) or {}
            current = entry.get("current") and self.store.revision(
                tenant, definition.code, unit, period_key(period), entry["current"]["rev"])
            revision = domain.move(current, action, by, now, reason)
            records = [self._record(tenant, definition.code, unit, period, revision)]
            entry = {**entry, "current": domain.summary(revision)}
            if action != "approve":
                sheet.setdefault("cells", {})[cell_key(definition.code, unit)] = entry
                return entry, records, []
            before = copy.deepcopy(sheet)
            entry["approved"] = entry["current"]
            sheet.setdefault("cells", {})[cell_key(definition.code, unit)] = entry
            entered_by = next((r["by"] for r in reversed(self.store.revisions(
                tenant, definition.code, unit, period_key(period), revision["rev"] - 1))
                if r["action"] in ("entered", "revised")), "")
            events = [approval_event(tenant, definition.code, unit, period_key(period),
                                     revision, entered_by),
                      *self._target_events(definition, tenant, period, around, before, sheet,
                                           [period], approved_unit=unit,
                                           revision=revision["rev"],
                                           approved_by=revision["by"])]
            return entry, records, events
        return self._change_sheet(tenant, period, change)

    def _around(self, tenant: str, period) -> dict[str, dict]:
        """The commune's other sheets its line for `period` reads: the previous period's
        (the trend) and the enclosing ones' (a target set for the year)."""
        key = period_key(period)
        listed = [k for k in self.store.index(tenant).get("sheets", []) if k != key]
        return self.store.read_sheets(tenant, report.period_keys(period, listed))

    def _target_events(self, definition: Indicator, tenant: str, period: Period,
                       sheets: dict[str, dict], before: dict, after: dict,
                       lines: list[Period], **cause) -> list[Envelope]:
        """kpi.target_missed or _recovered for each of the commune's `lines` that the
        change of its sheet for `period` (before -> after) moves against its target;
        `sheets` are the other sheets those lines read."""
        def commune(sheet):
            return report.UnitData(tenant, {**sheets, sheet_id(tenant, period_key(period)):
                                            sheet}, villages=self.tree.villages(tenant))
        return [target_event(news, tenant, line, row, **cause) for news, line, row in
                report.line_news(definition, commune(before), commune(after), lines)]

    def set_target(self, unit: str, fields: object, by: str, now: dt.datetime) -> dict:
        """A target of a commune or a province, for one indicator and period; a changed
        target is announced for each of the commune's approved lines it moves."""
        if not isinstance(fields, dict):
            raise InvalidArgument("a target must be a JSON object")
        self.tree.kind(unit)
        definition = self.store.indicator(_text(fields, "indicator"))
        period = parse_period(fields.get("period"))
        goal = {**domain.target(definition, named_once(fields, "unit", unit)), "by": by,
                "at": now.isoformat()}

        def change(sheet):
            before = copy.deepcopy(sheet)
            targets = sheet.setdefault("targets", {})
            old = targets.get(cell_key(definition.code, unit))
            targets[cell_key(definition.code, unit)] = goal
            if not domain.target_moved(old, goal):
                return goal, [], []
            return goal, [], self._retarget_events(definition, unit, period, before, sheet,
                                                   by)
        return self._change_sheet(unit, period, change)

    def _retarget_events(self, definition: Indicator, unit: str, period: Period, before: dict,
                         after: dict, by: str) -> list[Envelope]:
        """What a new target for `period` (its sheet before -> after) makes of the lines
        that read it. A province's or a village's sheets hold no figures: no lines."""
        here = period_key(period)
        listed = sorted({*self.store.index(unit).get("sheets", []), here})
        inside = [k for k in listed if lies_in(parse_period(k), period)]
        sheets = self.store.read_sheets(unit, [k for k in inside if k != here])
        lines = report.lines_under_target(
            definition, report.UnitData(unit, {**sheets, sheet_id(unit, here): after}),
            period, inside)
        # the lines' previous and enclosing periods: their trend, their targets before
        wanted = {k for line in lines for k in report.period_keys(line, listed)}
        sheets |= self.store.read_sheets(unit, sorted(wanted - set(inside)))
        return self._target_events(definition, unit, period, sheets, before, after, lines,
                                   target_set_by=by)

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
        return self.store.change_packed(sheets_collection(key), sheet_id(unit, key), unit,
                                        change, indexed=(unit, "sheets", key),
                                        announce=self.events)

    @staticmethod
    def _record(tenant: str, indicator: str, unit: str, period, revision: dict) -> dict:
        key = revision_id(tenant, indicator, unit, period_key(period), revision["rev"])
        return {"_id": key, "tenant": tenant, "indicator": indicator, "unit": unit,
                "period": period_key(period), **revision}
