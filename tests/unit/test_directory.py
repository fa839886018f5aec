import pytest

from services.common.errors import InvalidArgument
from services.directory import tree


def test_the_two_real_communes_with_their_figures():
    communes = {u["code"]: u for u in tree.units() if u["kind"] == "commune"}
    assert communes["binh-lu"]["village_count"] == 35
    assert communes["binh-lu"]["voters"] == 10782
    assert communes["lung-phinh"]["village_count"] == 20
    assert communes["lung-phinh"]["population"] == 11154


def test_lung_phinh_lists_its_eight_villages_without_signal():
    no_signal = [u["name"] for u in tree.units()
                 if u.get("parent_code") == "lung-phinh" and u.get("mobile_signal") is False]
    assert len(no_signal) == 8
    assert "Na Chí Phàng" in no_signal


def test_codes_are_unique():
    codes = [u["code"] for u in tree.units()]
    assert len(codes) == len(set(codes))


def test_a_province_stands_for_its_communes():
    assert tree.communes_of(["lai-chau"]) == ["binh-lu"]
    assert tree.communes_of(["lao-cai", "binh-lu"]) == ["binh-lu", "lung-phinh"]


@pytest.mark.parametrize("code", ["ha-noi", "binh-lu-na-da"])
def test_unknown_codes_and_villages_are_not_tenants(code):
    with pytest.raises(InvalidArgument, match="unknown commune or province"):
        tree.communes_of([code])
