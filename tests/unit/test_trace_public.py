"""The public pages' pure parts: scan counter, page cache, the HTML of a
provenance page (Vietnamese and English, escaping), and the counterfeit flags."""
import datetime as dt

from services.trace import domain, page
from services.trace.page_cache import PageCache
from services.trace.scan_counter import ScanCounter


def test_scans_are_counted_per_vietnamese_day_and_given_back_when_unsaved():
    counter = ScanCounter()
    late_utc = dt.datetime(2026, 6, 1, 18, 0, tzinfo=dt.UTC)  # 01:00 on 2 June in Vietnam
    counter.add("binh-lu", "b1", "1.2.x.x", late_utc)
    counter.add("binh-lu", "b1", "1.2.x.x", late_utc)
    taken = counter.take()
    assert taken == {("binh-lu", "b1", "2026-06-02", "1.2.x.x"): 2} and counter.take() == {}
    counter.give_back(taken)
    counter.add("binh-lu", "b1", "1.2.x.x", late_utc)
    assert counter.take()[("binh-lu", "b1", "2026-06-02", "1.2.x.x")] == 3


def test_the_page_cache_expires_and_drops_a_tag():
    cache = PageCache(ttl=10, max_entries=3)
    cache.put(("batch", "b1", "vi"), "b1", "page-vi", 0.0)
    cache.put(("batch", "b1", "en"), "b1", "page-en", 0.0)
    cache.put(("batch", "b2", "vi"), "b2", "other", 0.0)
    assert cache.get(("batch", "b1", "vi"), 5.0) == "page-vi"
    assert cache.get(("batch", "b1", "vi"), 11.0) is None
    cache.invalidate("b1")
    assert cache.get(("batch", "b1", "en"), 1.0) is None
    assert cache.get(("batch", "b2", "vi"), 1.0) == "other"
    for n in range(4):
        cache.put(("batch", f"x{n}", "vi"), f"x{n}", n, 0.0)
    assert cache.get(("batch", "b2", "vi"), 1.0) is None  # evicted, oldest first


SNAPSHOT = {
    "product": {"gtin": "08939999000031", "name_vi": "Miến <dong>", "name_en": "Vermicelli",
                "category": "Đặc sản", "demo": True, "shelf_life_days": 365,
                "certifications": [{"kind": "ocop", "label": "OCOP", "stars": 3,
                                    "valid_from": "2025-06-01", "valid_until": "2026-01-01",
                                    "status": "expired", "issuer": ""}]},
    "batch": {"lot": "MD-1", "produced_on": "2026-01-20", "expires_on": "2027-01-20",
              "quantity": 1000, "unit": "gói"},
    "producer": {"name": "HTX", "address": "Bản Tân Bình"},
    "area": None,
    "timeline": [{"label_vi": "Xuất hàng", "label_en": "Shipping", "step": "shipping",
                  "time": "2026-01-28T07:00:00+07:00", "where": "HTX", "note": "",
                  "readings": []}],
    "back": [{"id": "x:TB", "path": "/01/x/10/TB", "name_vi": "Tinh bột", "name_en": "Starch",
              "lot": "TB"}],
    "forward": [],
    "verification": {"intact": False, "checked": 2, "broken_at": 3,
                     "reason": "event 3 was changed after it was recorded"},
}


def test_the_batch_page_shows_what_a_buyer_must_see_in_either_language():
    html = page.batch_page(SNAPSHOT, "vi")
    assert "Miến &lt;dong&gt;" in html and "<dong>" not in html
    assert "Xuất hàng" in html and "2026-01-28 07:00" in html and "Bản Tân Bình" in html
    assert "sự kiện 3" in html and "hết hiệu lực" in html and "Mã mẫu" in html
    assert 'href="/01/x/10/TB?lang=vi"' in html and 'href="?lang=en"' in html
    english = page.batch_page(SNAPSHOT, "en")
    assert "Shipping" in english and "Starch" in english and "records changed at event 3" \
        in english
    assert "<script" not in html and len(html.encode()) < 6000
    with_image = page.batch_page({**SNAPSHOT, "product": {
        **SNAPSHOT["product"], "image_url": "https://x.vn/m\"d.jpg"}}, "vi")
    assert '<img src="https://x.vn/m&quot;d.jpg" alt="Miến &lt;dong&gt;"' in with_image


def test_unknown_languages_fall_back_to_vietnamese():
    assert page.lang_of("fr") == "vi" and page.lang_of("en") == "en"


def test_counterfeit_flags_for_too_many_scans_or_places():
    packs = {"unit": "gói", "quantity": 100}
    assert domain.counterfeit_flags(packs, 400, 3) == []
    assert "more than 5 a pack" in domain.counterfeit_flags(packs, 501, 3)[0]
    assert "places" in domain.counterfeit_flags(packs, 10, 9)[0]
    assert domain.counterfeit_flags({"unit": "kg", "quantity": 1}, 10_000, 50) == []


def test_scan_origins_keep_no_full_address():
    assert domain.scan_origin("113.161.44.7") == "113.161.x.x"
    assert domain.scan_origin("2001:ee0:4f1:1::7") == "2001:ee0:4f1::"
    assert domain.scan_origin("") == "unknown"


def test_the_batch_page_warns_of_missing_events_and_of_a_missing_seal():
    truncated = {**SNAPSHOT, "verification": {
        "intact": False, "checked": 2, "broken_at": 3, "anchored_events": 3,
        "anchor_signed": True, "missing_events": 1,
        "reason": "the last 1 of 3 recorded events are missing"}}
    assert "thiếu 1 trong 3 sự kiện" in page.batch_page(truncated, "vi")
    assert "1 of this batch's 3 recorded events are missing" in page.batch_page(truncated, "en")
    unsealed = {**SNAPSHOT, "verification": {
        "intact": False, "checked": 2, "broken_at": 3, "anchored_events": 0,
        "anchor_signed": False, "missing_events": 0,
        "reason": "the batch's sealed head is missing or its seal does not verify"}}
    html = page.batch_page(unsealed, "en")
    assert "seal is missing or does not match" in html and 'class="bad"' in html
