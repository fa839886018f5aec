"""The organisation tree as data (org.json); pure."""
import json
from functools import lru_cache
from importlib import resources

from services.common.errors import InvalidArgument


@lru_cache
def units() -> tuple[dict, ...]:
    """Every province, commune and village as a flat unit: code, name, kind, parent_code
    and the unit's other figures."""
    tree = json.loads(resources.files(__package__).joinpath("org.json").read_text("utf-8"))
    flat = []
    for province in tree["provinces"]:
        flat.append({"code": province["code"], "name": province["name"],
                     "kind": "province", "parent_code": ""})
        for commune in province["communes"]:
            extra = {k: v for k, v in commune.items() if k not in ("villages", "code", "name")}
            flat.append({"code": commune["code"], "name": commune["name"], "kind": "commune",
                         "parent_code": province["code"], **extra})
            flat.extend({**village, "kind": "village", "parent_code": commune["code"]}
                        for village in commune["villages"])
    return tuple(flat)


def communes_of(codes: list[str]) -> list[str]:
    """Commune codes for a list of commune or province codes (a province stands for all
    of its communes)."""
    by_code = {u["code"]: u for u in units()}
    found = []
    for code in codes:
        unit = by_code.get(code)
        if unit is None or unit["kind"] == "village":
            known = ", ".join(u["code"] for u in units() if u["kind"] != "village")
            raise InvalidArgument(f"unknown commune or province {code!r}; known: {known}")
        if unit["kind"] == "commune":
            found.append(code)
        else:
            found.extend(u["code"] for u in units() if u["parent_code"] == code
                         and u["kind"] == "commune")
    return sorted(set(found))
