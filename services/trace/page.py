"""The public pages a buyer's phone opens from the QR: a batch's provenance, a product
(a known GTIN with an unknown lot), and a friendly "not found". Small HTML, Vietnamese by
default with an English switch, one cacheable stylesheet, no scripts. Also the label sheet
an officer prints. Pure functions of the snapshot: no I/O."""
from html import escape

TEXT = {
    "vi": {"title": "Truy xuất nguồn gốc", "lot": "Lô", "gtin": "Mã GTIN",
           "producer": "Cơ sở sản xuất", "address": "Địa chỉ", "area": "Vùng nguyên liệu",
           "produced": "Ngày sản xuất", "expires": "Hạn sử dụng", "quantity": "Số lượng lô",
           "timeline": "Hành trình sản phẩm", "certs": "Chứng nhận", "no_certs": "Chưa có",
           "intact": "Dữ liệu nguyên vẹn: {n} sự kiện, chuỗi băm khớp.",
           "broken": "Cảnh báo: dữ liệu bị thay đổi tại sự kiện {n} ({reason}).",
           "missing": ("Cảnh báo: thiếu {m} trong {n} sự kiện đã ghi của lô này; dữ liệu "
                       "có thể đã bị xoá ({reason})."),
           "unsealed": ("Cảnh báo: dấu niêm phong của lô bị mất hoặc không khớp; dữ liệu "
                        "có thể đã bị sửa ({reason})."),
           "back": "Một bước trước", "forward": "Một bước sau", "carton": "Thùng",
           "none": "Không có", "valid": "còn hiệu lực", "expired": "hết hiệu lực",
           "not_yet_valid": "chưa hiệu lực",
           "demo": "Mã mẫu (dữ liệu trình diễn), không phải mã GS1 Việt Nam cấp.",
           "batches_hint": ("Mã lô trên bao bì không có trong hệ thống; đây là thông tin "
                            "sản phẩm."),
           "not_found": "Không tìm thấy mã này",
           "not_found_hint": ("Mã QR có thể bị in sai hoặc không phải của sản phẩm đăng ký tại "
                              "đây. Hãy hỏi người bán hoặc cơ sở sản xuất."),
           "switch": "English", "other": "en", "shelf_life": "Thời hạn sử dụng",
           "days": "ngày", "ha": "ha", "category": "Loại"},
    "en": {"title": "Product traceability", "lot": "Lot", "gtin": "GTIN",
           "producer": "Producer", "address": "Address", "area": "Raw-material area",
           "produced": "Production date", "expires": "Best before", "quantity": "Batch size",
           "timeline": "Journey", "certs": "Certifications", "no_certs": "None yet",
           "intact": "Records intact: {n} events, hash chain matches.",
           "broken": "Warning: records changed at event {n} ({reason}).",
           "missing": ("Warning: {m} of this batch's {n} recorded events are missing; "
                       "records may have been deleted ({reason})."),
           "unsealed": ("Warning: this batch's seal is missing or does not match; records "
                        "may have been altered ({reason})."),
           "back": "One step back", "forward": "One step forward", "carton": "Carton",
           "none": "None", "valid": "valid", "expired": "expired",
           "not_yet_valid": "not yet valid",
           "demo": "Demo code (demonstration data), not issued by GS1 Vietnam.",
           "batches_hint": ("The lot on the pack is not in the system; this is the product's "
                            "information."),
           "not_found": "Code not found",
           "not_found_hint": ("The QR code may be misprinted or not for a product registered "
                              "here. Ask the seller or the producer."),
           "switch": "Tiếng Việt", "other": "vi", "shelf_life": "Shelf life",
           "days": "days", "ha": "ha", "category": "Category"},
}


def lang_of(value: str | None) -> str:
    return value if value in TEXT else "vi"


def _page(lang: str, title: str, body: str) -> str:
    t = TEXT[lang]
    return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width,initial-scale=1">'
            f'<title>{escape(title)} · {t["title"]}</title>'
            '<link rel="stylesheet" href="/static/trace.css"></head><body>'
            f'<header><small>{t["title"]}</small>'
            f'<a class="noprint" href="?lang={t["other"]}">{t["switch"]}</a></header>'
            f'{body}</body></html>')


def _name(item: dict, lang: str) -> str:
    return item.get(f"name_{lang}") or item.get("name_vi") or item.get("name", "")


def _certs(product: dict, lang: str) -> str:
    t = TEXT[lang]
    rows = [f'<li>{escape(c["label"])}{" ★" * (c.get("stars") or 0)} — '
            f'{escape(c["valid_from"])}–{escape(c.get("valid_until") or "")} '
            f'({t[c["status"]]}){" · " + escape(c["issuer"]) if c.get("issuer") else ""}</li>'
            for c in product.get("certifications", [])]
    return f'<h2 id="certs">{t["certs"]}</h2>' + (f"<ul>{''.join(rows)}</ul>" if rows
                                                  else f"<p>{t['no_certs']}</p>")


def _image(product: dict, lang: str) -> str:
    if not product.get("image_url"):
        return ""
    return (f'<img src="{escape(product["image_url"])}" alt="{escape(_name(product, lang))}" '
            'loading="lazy" width="320" style="max-width:100%;height:auto">')


def _product_facts(product: dict, lang: str) -> str:
    t = TEXT[lang]
    facts = [(t["gtin"], product["gtin"]), (t["category"], product.get("category", ""))]
    if product.get("shelf_life_days"):
        facts.append((t["shelf_life"], f'{product["shelf_life_days"]} {t["days"]}'))
    return "".join(f"<dt>{k}</dt><dd>{escape(str(v))}</dd>" for k, v in facts if v)


def _producer(producer: dict, lang: str) -> str:
    t = TEXT[lang]
    return (f'<h2>{t["producer"]}</h2><p><b>{escape(producer["name"])}</b><br>'
            f'{t["address"]}: {escape(producer["address"])}</p>')


def _neighbours(items: list[dict], heading: str, lang: str) -> str:
    t = TEXT[lang]
    rows = []
    for item in items:
        if item.get("carton"):
            rows.append(f'<li>{t["carton"]} {escape(item["carton"])}</li>')
        elif item.get("path"):
            rows.append(f'<li><a href="{escape(item["path"])}?lang={lang}">'
                        f'{escape(_name(item, lang))}</a> · {t["lot"]} {escape(item["lot"])}</li>')
        else:
            rows.append(f"<li>{escape(item['id'])}</li>")
    return f"<h2>{heading}</h2>" + (f"<ul>{''.join(rows)}</ul>" if rows
                                    else f"<p class=muted>{t['none']}</p>")


def _check(verification: dict, lang: str) -> str:
    """The verification line: intact, or which kind of tampering was found. Snapshots
    made before the sealed head lack its fields and read as altered or intact."""
    t = TEXT[lang]
    if verification["intact"]:
        return f'<p class="ok">✔ {t["intact"].format(n=verification["checked"])}</p>'
    reason = escape(verification["reason"])
    if verification.get("missing_events"):
        text = t["missing"].format(m=verification["missing_events"],
                                   n=verification["anchored_events"], reason=reason)
    elif verification.get("anchor_signed") is False:
        text = t["unsealed"].format(reason=reason)
    else:
        text = t["broken"].format(n=verification["broken_at"], reason=reason)
    return f'<p class="bad">✖ {text}</p>'


def batch_page(snapshot: dict, lang: str) -> str:
    t = TEXT[lang]
    product, batch = snapshot["product"], snapshot["batch"]
    area = snapshot.get("area")
    verification = snapshot["verification"]
    facts = _product_facts(product, lang) + "".join(
        f"<dt>{k}</dt><dd>{escape(str(v))}</dd>" for k, v in (
            (t["lot"], batch["lot"]), (t["produced"], batch["produced_on"]),
            (t["expires"], batch.get("expires_on") or ""),
            (t["quantity"], f'{batch["quantity"]:g} {batch["unit"]}')) if v)
    check = _check(verification, lang)
    steps = []
    for entry in snapshot["timeline"]:
        extra = " · ".join(escape(x) for x in (entry.get("readings") or []) + (
            [entry["note"]] if entry.get("note") else []))
        steps.append(f'<li><b>{escape(entry[f"label_{lang}"])}</b> — '
                     f'{escape(entry["time"][:16].replace("T", " "))}<br>'
                     f'<small>{escape(entry["where"])}{" · " + extra if extra else ""}</small>'
                     "</li>")
    body = (f'<h1>{escape(_name(product, lang))}</h1>' + _image(product, lang)
            + (f'<p class="demo">{t["demo"]}</p>' if product.get("demo") else "")
            + (f'<p>{escape(product.get(f"description_{lang}") or "")}</p>'
               if product.get(f"description_{lang}") else "")
            + f"<dl>{facts}</dl>{check}" + _producer(snapshot["producer"], lang)
            + (f'<h2>{t["area"]}</h2><p>{escape(area["name"])} · {escape(area["village"])} · '
               f'{area["area_ha"]:g} {t["ha"]}</p>' if area else "")
            + f'<h2>{t["timeline"]}</h2><ol class="tl">{"".join(steps)}</ol>'
            + _neighbours(snapshot["back"], t["back"], lang)
            + _neighbours(snapshot["forward"], t["forward"], lang)
            + _certs(product, lang))
    return _page(lang, _name(product, lang), body)


def product_page(product: dict, producer: dict, lang: str) -> str:
    t = TEXT[lang]
    body = (f'<h1>{escape(_name(product, lang))}</h1><p class="muted">{t["batches_hint"]}</p>'
            + _image(product, lang)
            + (f'<p class="demo">{t["demo"]}</p>' if product.get("demo") else "")
            + (f'<p>{escape(product.get(f"description_{lang}") or "")}</p>'
               if product.get(f"description_{lang}") else "")
            + f"<dl>{_product_facts(product, lang)}</dl>" + _producer(producer, lang)
            + _certs(product, lang))
    return _page(lang, _name(product, lang), body)


def not_found_page(lang: str, detail: str) -> str:
    t = TEXT[lang]
    return _page(lang, t["not_found"], f'<h1>{t["not_found"]}</h1><p>{t["not_found_hint"]}</p>'
                 f'<p class="muted"><small>{escape(detail)}</small></p>')


def label_sheet(snapshot: dict, qr_svg: str, uri: str, copies: int) -> str:
    """A printable A4 sheet of identical labels for a batch: QR, product, lot, dates."""
    product, batch = snapshot["product"], snapshot["batch"]
    label = (f'<div class="label">{qr_svg}<br><b>{escape(product["name_vi"])}</b><br>'
             f'GTIN {product["gtin"]} · Lô {escape(batch["lot"])}<br>'
             f'NSX {batch["produced_on"]}'
             f'{" · HSD " + batch["expires_on"] if batch.get("expires_on") else ""}'
             f'<br><small>{escape(uri)}</small></div>')
    body = (f'<h1 class="noprint">Nhãn QR · {escape(product["name_vi"])} · lô '
            f'{escape(batch["lot"])}</h1><div class="labels">{label * copies}</div>')
    return _page("vi", f"Nhãn {batch['lot']}", body)
