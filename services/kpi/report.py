"""Reports for a commune or a whole province and one period; pure.

A commune's figure for an indicator is its own measurement when it has one, else the
roll-up of its villages'; a derived indicator's is read off its source's board. A
province's figure is the roll-up of its communes'. Approved revisions only, unless
drafts are asked for. Every row carries the target (of the period, else of the quarter
or year that holds it), the status against it and the trend against the previous
period."""
from dataclasses import dataclass, field

from services.common.periods import Period

from . import domain
from .derived import DERIVERS
from .domain import Figures
from .indicators import Indicator, enclosing, lies_in, parse_period, period_key, previous
from .keys import cell_key, sheet_id


def periods_needed(period: Period) -> list[Period]:
    """The periods whose sheets a report for `period` reads."""
    return [p for p in (period, previous(period), *enclosing(period)) if p is not None]


def period_keys(period: Period, existing: list[str]) -> list[str]:
    """The keys of the periods whose sheets a report reads, of those that exist."""
    return [period_key(p) for p in periods_needed(period) if period_key(p) in existing]


@dataclass
class UnitData:
    """What a report needs of one org unit: its sheets by _id, its derived boards by
    source, and (for a commune) its villages."""

    code: str
    sheets: dict[str, dict]
    boards: dict[str, dict] = field(default_factory=dict)
    villages: tuple[str, ...] = ()
    _derived: dict = field(default_factory=dict)

    def sheet(self, period: Period) -> dict:
        return self.sheets.get(sheet_id(self.code, period_key(period)), {})

    def cell(self, period: Period, indicator: str, unit: str, drafts: bool) -> dict | None:
        entry = self.sheet(period).get("cells", {}).get(cell_key(indicator, unit))
        if not entry:
            return None
        return entry.get("current") if drafts else entry.get("approved")

    def approved(self, period: Period, indicator: str) -> bool:
        """Whether the period's sheet holds an approved figure of the indicator (the
        commune's or a village's)."""
        return any(entry.get("approved") for key, entry in
                   self.sheet(period).get("cells", {}).items()
                   if key.startswith(cell_key(indicator, "")))

    def target(self, period: Period, indicator: str) -> dict | None:
        for candidate in [period, *enclosing(period)]:
            found = self.sheet(candidate).get("targets", {}).get(cell_key(indicator,
                                                                          self.code))
            if found is not None:
                return {**found, "period": period_key(candidate)}
        return None

    def derived(self, definition: Indicator, period: Period) -> Figures:
        board = self.boards.get(definition.source)
        if board is None or definition.source not in DERIVERS:
            return Figures(None)
        key = (definition.source, period)
        if key not in self._derived:
            self._derived[key] = DERIVERS[definition.source](board, period)
        return self._derived[key].get(definition.code, Figures(None))


def commune_figures(definition: Indicator, commune: UnitData, period: Period | None,
                    drafts: bool) -> Figures:
    """None: the period before the first, with no figure."""
    if period is None:
        return Figures(None)
    if definition.derived:
        return commune.derived(definition, period)
    own = commune.cell(period, definition.code, commune.code, drafts)
    if own is not None:
        return Figures.of(own)
    return domain.roll_up(definition, [
        Figures.of(commune.cell(period, definition.code, v, drafts)) for v in commune.villages])


def commune_row(definition: Indicator, commune: UnitData, period: Period,
                drafts: bool = False) -> dict:
    return domain.row(definition, commune.code,
                      commune_figures(definition, commune, period, drafts),
                      commune.target(period, definition.code),
                      commune_figures(definition, commune, previous(period), drafts))


def village_row(definition: Indicator, commune: UnitData, village: str, period: Period,
                drafts: bool = False) -> dict:
    """One indicator's line for one of the commune's villages: its own figure, coloured
    against the commune's target (a village has none of its own), its trend against its
    own figure of the previous period."""
    return domain.row(definition, village,
                      Figures.of(commune.cell(period, definition.code, village, drafts)),
                      commune.target(period, definition.code),
                      Figures.of(commune.cell(previous(period), definition.code, village,
                                              drafts)))


def village_report(definitions: list[Indicator], commune: UnitData, period: Period,
                   villages: tuple[str, ...]) -> list[dict]:
    """The lines of each of `villages` for the indicators a village can be measured on
    (a derived indicator is the commune's alone)."""
    measured = [d for d in definitions if not d.derived]
    return [{"unit": v, "rows": [village_row(d, commune, v, period) for d in measured]}
            for v in villages]


def line_news(definition: Indicator, before: UnitData, after: UnitData,
              periods: list[Period]) -> list[tuple[str, Period, dict]]:
    """What a change of a commune's sheets (its data before and after) makes of its lines
    for `periods` against their targets: (event type, period, line after) for each line
    domain.target_news has news of."""
    news = []
    for period in periods:
        line = commune_row(definition, after, period)
        if event_type := domain.target_news(commune_row(definition, before, period), line):
            news.append((event_type, period, line))
    return news


def lines_under_target(definition: Indicator, commune: UnitData, target: Period,
                       keys: list[str]) -> list[Period]:
    """The periods among `keys` whose line for the indicator reads the commune's target
    for `target`: the period itself and those inside it, each with an approved figure
    and no nearer target of its own."""
    return [p for p in map(parse_period, keys)
            if lies_in(p, target) and commune.approved(p, definition.code)
            and (commune.target(p, definition.code) or {}).get("period") == period_key(target)]


def commune_report(definitions: list[Indicator], commune: UnitData, period: Period,
                   drafts: bool = False) -> list[dict]:
    return [commune_row(d, commune, period, drafts) for d in definitions]


def province_report(definitions: list[Indicator], province: UnitData,
                    communes: list[UnitData], period: Period, drafts: bool = False,
                    with_communes: bool = False) -> dict:
    """The province's rows (each the roll-up of its communes') and, when asked, each
    commune's rows."""
    before = previous(period)
    rows = []
    for definition in definitions:
        now = [commune_figures(definition, c, period, drafts) for c in communes]
        then = [commune_figures(definition, c, before, drafts) for c in communes]
        rows.append(domain.row(definition, province.code, domain.roll_up(definition, now),
                               province.target(period, definition.code),
                               domain.roll_up(definition, then)))
    by_commune = [{"unit": c.code, "rows": commune_report(definitions, c, period, drafts)}
                  for c in communes] if with_communes else []
    return {"rows": rows, "communes": by_commune}
