"""The demo's village figures: the real ones cite the report; the even splits of the
commune's totals add up to them exactly and say that they are the demo's."""
from services.kpi import demo

VILLAGES = ("binh-lu-hung-binh", "binh-lu-na-da", "binh-lu-tan-binh")


def figures(villages, count=35):
    return demo.village_figures(demo.read(demo.VILLAGES), demo.read(demo.FIGURES[0]),
                                villages, count)


def test_the_splits_over_every_village_add_up_to_the_communes_totals():
    every = tuple(f"v{i}" for i in range(35))
    for code, totals in (("online-dossiers", (900, 902)), ("full-online-dossiers", (136, 136))):
        rows = [r for r in figures(every) if r["indicator"] == code]
        assert len(rows) == 35
        assert (sum(r["numerator"] for r in rows), sum(r["denominator"] for r in rows)) == totals
        assert all(0 <= r["numerator"] <= r["denominator"] for r in rows)


def test_the_named_villages_take_the_first_shares_marked_as_the_demos():
    rows = figures(VILLAGES)
    split = {(r["indicator"], r["unit"]): (r["numerator"], r["denominator"]) for r in rows
             if r["source_document"].startswith("DEMO")}
    # 902 over 35: 26 for the first 27; the 2 not online: one each for the first two
    assert [split["online-dossiers", v] for v in VILLAGES] == [(25, 26), (25, 26), (26, 26)]
    assert [split["full-online-dossiers", v] for v in VILLAGES] == [(4, 4)] * 3
    real = [r for r in rows if not r["source_document"].startswith("DEMO")]
    assert {(r["indicator"], r["unit"], r["numerator"], r["denominator"]) for r in real} == {
        ("villages-4g", v, 1, 1) for v in VILLAGES}
    assert all("100% các bản" in r["source_document"] for r in real)
