"""The organisation tree as the KPI service needs it: which communes a province holds,
which villages a commune holds; pure."""
from dataclasses import dataclass

from services.common.errors import InvalidArgument


@dataclass(frozen=True)
class OrgTree:
    units: dict[str, dict]  # code -> {code, name, kind, parent_code}

    @classmethod
    def of(cls, rows) -> "OrgTree":
        return cls({u["code"]: u for u in rows})

    def kind(self, code: str) -> str:
        unit = self.units.get(code)
        if unit is None:
            raise InvalidArgument(f"unknown org unit {code!r}", {"unit": "unknown"})
        return unit["kind"]

    def children(self, code: str, kind: str) -> tuple[str, ...]:
        return tuple(sorted(c for c, u in self.units.items()
                            if u["parent_code"] == code and u["kind"] == kind))

    def villages(self, commune: str) -> tuple[str, ...]:
        return self.children(commune, "village")

    def communes(self, province: str) -> tuple[str, ...]:
        if self.kind(province) != "province":
            raise InvalidArgument(f"{province!r} is not a province", {"unit": "not a province"})
        return self.children(province, "commune")

    def commune_of(self, unit: str) -> str:
        """The commune a commune or village belongs to."""
        kind = self.kind(unit)
        if kind == "commune":
            return unit
        if kind == "village":
            return self.units[unit]["parent_code"]
        raise InvalidArgument(f"{unit!r} is a province; figures are kept per commune or "
                              "village", {"unit": "a province"})

    def check_unit(self, tenant: str, unit: str) -> None:
        """InvalidArgument unless `unit` is the commune `tenant` or one of its villages."""
        if self.commune_of(unit) != tenant:
            raise InvalidArgument(f"{unit!r} is not commune {tenant!r} nor one of its "
                                  "villages", {"unit": "another commune's"})
