"""The web console in a real browser (Debian's chromium driven by Playwright) against
the platform's processes with the demo data of `commune seed`, in a namespace of its
own: sign-in and the lock, live IOC alerts acknowledged on the screen, a KPI figure
entered, approved and seen on the province's board (sorted by its column), a village's
figure in the drill-down from the commune, progress reported on the task board,
a plan imported from Excel with its row-by-row report and the board exported,
a label sheet printed, the kiosk's answers in the officers' trail, one commune's user
kept out of another's pages. Screenshots of every screen go to var/screenshots/; each
page's weight over the wire is printed and bounded."""
import datetime as dt
import io
import json
import re
import subprocess

import docx
import httpx
import openpyxl
import pytest
from playwright.sync_api import Page, expect, sync_playwright

from services.common.auth import issue_token
from services.console.accounts import DEMO_PASSWORD
from services.console.pages_desk import TRAIL_PAGE_SIZE
from services.iocevents import demo as ioc_demo
from services.reports import quarterly
from tests.helpers import (
    BIN,
    ROOT,
    SEED_TIMEOUT_S,
    WAIT_S,
    Process,
    env_for,
    http_call,
    start_console,
    start_grpc,
    start_worker,
    workbook_bytes,
)

pytestmark = pytest.mark.e2e
SHOTS = ROOT / "var" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
OFFICER, OPERATOR, ADMIN, PROVINCE = ("canbo.binhlu", "vanhanh.binhlu", "quantri.binhlu",
                                      "tinh.laichau")
# A page and all it loads, as sent over the wire, on a 3G phone: at most this.
PAGE_BUDGET_BYTES = 60_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The pages that draw: Leaflet (42 KB) on the IOC map; ECharts' small build (169 KB) on a
# figure's history, its trend chart. No other page loads either.
DRAWING_BUDGET_BYTES = {"ioc": 80_000, "kpi-history": 190_000}
DRAWING = ("leaflet", "echarts")


@pytest.fixture(scope="module")
def console(other_namespace):
    settings = other_namespace()
    for step in (["topology"], ["seed"]):  # the seed waits on a shared, busy database
        subprocess.run([str(BIN / "commune"), *step], env=env_for(settings),
                       capture_output=True, timeout=SEED_TIMEOUT_S, check=True)
    started = []
    try:
        workers = {}
        for service in ("tasks", "kpi", "iocevents", "trace", "assistant"):
            workers[service] = start_worker(settings, service)
            started.append(workers[service])
        ioc_grpc = start_grpc(settings, "iocevents")
        started.append(ioc_grpc)
        pipeline = Process(settings, "commune-pipeline", "iocevents", COMMUNE_IOC_FLUSH_S=0.2,
                           COMMUNE_IOC_SWEEP_S=1)
        started.append(pipeline)
        pipeline.wait_ready(f"http://127.0.0.1:{pipeline.metrics_port}/metrics")
        app = start_console(settings, workers,
                            COMMUNE_CONSOLE_IOC_GRPC=f"127.0.0.1:{ioc_grpc.grpc_port}")
        started.append(app)
        app.settings, app.workers = settings, workers
        yield app
    finally:
        for process in reversed(started):
            process.stop()


@pytest.fixture(scope="module")
def browser():
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM,
                                              args=["--no-sandbox", "--lang=vi-VN"])
        yield chromium
        chromium.close()


def signed_in(browser, console, username: str, password: str = DEMO_PASSWORD) -> Page:
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN",
                               timezone_id="Asia/Ho_Chi_Minh").new_page()
    page.set_default_timeout(WAIT_S * 1000)
    page.goto(console.url + "/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    expect(page.locator(".who")).to_be_visible()
    return page


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"console-{name}.png"), full_page=True)


def test_sign_in_locks_after_five_failures_and_an_admin_reset_unlocks(browser, console):
    admin = signed_in(browser, console, ADMIN)
    admin.goto(console.url + "/admin/accounts")
    admin.fill("#u", "thu.ky.binhlu")
    admin.fill("#n", "Thư ký thử nghiệm")
    admin.select_option("#r", "officer")
    admin.fill("#p", "mat-khau-dau-tien")
    admin.click("form.card button")
    expect(admin.locator("tbody")).to_contain_text("thu.ky.binhlu")
    shot(admin, "accounts")

    page = browser.new_page()
    for attempt in range(5):
        page.goto(console.url + "/login")
        page.fill("#username", "thu.ky.binhlu")
        page.fill("#password", f"sai-mat-khau-{attempt}")
        page.click("button[type=submit]")
    expect(page.locator(".notice.error")).to_contain_text("khóa")
    page.fill("#username", "thu.ky.binhlu")
    page.fill("#password", "mat-khau-dau-tien")  # right, but locked
    page.click("button[type=submit]")
    expect(page.locator(".notice.error")).to_contain_text("khóa")

    admin.goto(console.url + "/admin/accounts")
    admin.fill("#pw-thu\\.ky\\.binhlu", "mat-khau-moi-2026")
    admin.locator("#pw-thu\\.ky\\.binhlu").press("Enter")
    signed_in(browser, console, "thu.ky.binhlu", "mat-khau-moi-2026")


def test_a_burst_of_detections_appears_live_and_is_acknowledged_on_the_screen(browser,
                                                                              console):
    page = signed_in(browser, console, OPERATOR)
    page.goto(console.url + "/c/binh-lu/ioc")
    page.evaluate("window.sameLoad = true")  # gone if the page were reloaded
    shown = page.locator("#alert-table tbody tr[id]").evaluate_all("rows => rows.map(r => r.id)")
    subprocess.run([str(BIN / "commune"), "simulate-cameras", "--rate", "40", "--duration",
                    "3", "--tenant", "binh-lu", "--seed", "7"],
                   env=env_for(console.settings), capture_output=True, timeout=120, check=True)
    expect(page.locator(".ticker li").first).to_be_visible()
    new_open = """shown => {
        const open = document.querySelectorAll('#alert-table tr[data-status=ALERT_STATUS_OPEN]');
        const row = [...open].find(r => !shown.includes(r.id));
        return row ? row.id : null; }"""
    row_id = page.wait_for_function(new_open, arg=shown).json_value()
    open_row = page.locator(f"#{row_id}")
    assert int(page.locator("[data-count=active]").inner_text()) >= 1
    expect(page.locator("#map path.place.alerting").first).to_be_attached()  # redrawn live
    assert page.evaluate("window.sameLoad") is True
    shot(page, "ioc")

    open_row.locator("input[name=note]").fill("Đã báo công an xã")
    open_row.locator("button[value=acknowledge]").click()
    expect(page.locator(f"#{row_id}")).to_have_attribute("data-status",
                                                         "ALERT_STATUS_ACKNOWLEDGED")
    expect(page.locator(f"#{row_id} .status")).to_contain_text(OPERATOR)
    assert page.evaluate("window.sameLoad") is True


def test_the_ioc_map_draws_the_outline_and_every_location_from_the_console_alone(browser,
                                                                                   console):
    page = signed_in(browser, console, OPERATOR)
    asked = []
    page.on("request", lambda request: asked.append(request.url))
    with page.expect_response(console.url + "/assets/leaflet.js") as leaflet:
        page.goto(console.url + "/c/binh-lu/ioc")
    assert leaflet.value.status == 200
    places = ioc_demo.registry(ioc_demo.demo()).locations
    expect(page.locator("#map path.place")).to_have_count(len(places))
    expect(page.locator("#map .village")).to_have_count(len({p.village for p in places}))
    expect(page.locator("#map .leaflet-overlay-pane path:not(.place)")).to_have_count(1)
    page.locator("#map path.place").last.hover()  # drawn last: on top of its neighbours
    expect(page.locator(".leaflet-tooltip")).to_contain_text("thiết bị")
    shot(page, "ioc-map")
    elsewhere = [url for url in asked if not url.startswith(console.url + "/")]
    assert asked and elsewhere == []


def test_a_kpi_figure_entered_and_approved_shows_on_the_province_board(browser, console):
    officer = signed_in(browser, console, OFFICER)
    officer.goto(console.url + "/c/binh-lu/kpi?period=2026-Q2")
    officer.fill("#k-num", "chín trăm")  # bad input: a page naming the field, no figure
    with officer.expect_response(lambda r: r.request.method == "POST") as refused:
        officer.click("form.card.grid button")
    assert refused.value.status == 400
    expect(officer.locator(".notice.error")).to_contain_text("numerator")
    officer.goto(console.url + "/c/binh-lu/kpi?period=2026-Q2")
    officer.select_option("#k-ind", "online-dossiers")
    officer.fill("#k-period", "2026-Q2")
    officer.fill("#k-num", "455")
    officer.fill("#k-den", "500")
    officer.fill("#k-src", "Báo cáo thử nghiệm số 01")
    officer.click("form.card.grid button")
    pending = officer.locator("#pending tr[data-indicator=online-dossiers]")
    expect(pending).to_contain_text("91")
    pending.get_by_role("button", name="Trình duyệt").click()
    expect(officer.locator(".notice.ok")).to_be_visible()
    shot(officer, "kpi")

    admin = signed_in(browser, console, ADMIN)
    admin.goto(console.url + "/c/binh-lu/kpi?period=2026-Q2")
    admin.locator("#pending tr[data-indicator=online-dossiers]").get_by_role(
        "button", name="Phê duyệt").click()
    expect(admin.locator("#scorecard tr[data-indicator=online-dossiers] .value")).to_have_text(
        "91%")
    admin.locator("#scorecard tr[data-indicator=online-dossiers] td:first-child a").click()
    expect(admin.locator("#history tbody tr")).to_have_count(3)  # entered, submitted, approved
    expect(admin.locator("#history tbody tr").last).to_contain_text(ADMIN)
    expect(admin.locator("#trend-table tbody tr").last).to_contain_text("91")
    expect(admin.locator("#trend canvas")).to_be_attached()  # drawn by ECharts
    drawn = admin.evaluate("echarts.getInstanceByDom(document.getElementById('trend'))"
                           ".getOption().series[0].data")
    assert len(drawn) == 8 and drawn[-1] == 91  # 2026-Q2, the newest of eight quarters
    shot(admin, "kpi-history")

    province = signed_in(browser, console, PROVINCE)
    province.goto(console.url + "/p/lai-chau/kpi?period=2026-Q2")
    cell = province.locator("tr[data-commune=binh-lu] td[data-indicator=online-dossiers]")
    expect(cell).to_have_text("91%")
    header = province.locator("#province-table th[data-sort=online-dossiers]")
    for direction in ("descending", "ascending"):  # its header sorts by it, then back
        header.locator("a").click()
        expect(header).to_have_attribute("aria-sort", direction)
        expect(cell).to_have_text("91%")
    shot(province, "province")


def test_a_village_figure_entered_through_the_api_shows_in_the_drill_down(browser, console):
    """A figure of Nà Đa entered, submitted and approved through the kpi service's API
    shows in the scorecard's drill-down to the villages, coloured against the commune's
    target; the seed's village figures show there too, a village leads back to its
    commune, and another commune's village opens nowhere."""
    kpi = (f"http://127.0.0.1:{console.workers['kpi'].http_port}"
           "/api/v1/communes/binh-lu/kpi")
    figure = {"indicator": "online-payment", "unit": "binh-lu-na-da", "period": "2026-Q3"}
    token = issue_token(console.settings, ADMIN, "admin", ["binh-lu"])
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=60) as api:
        entered = api.post(kpi + "/measurements", json={**figure, "numerator": 12,
                                                         "denominator": 20})
        assert entered.status_code == 201, entered.text
        for step in ("submit", "approve"):
            assert api.post(f"{kpi}/measurements/{step}", json=figure).status_code == 200
        foreign = api.get(kpi + "/village-report", params={"period": "2026-Q3",
                                                           "village": "lung-phinh-sin-chai"})
        assert foreign.status_code == 404 and "villages" not in foreign.json()

    page = signed_in(browser, console, OFFICER)
    page.goto(console.url + "/c/binh-lu/kpi?period=2026-Q3")
    page.locator("#scorecard tr[data-indicator=online-payment] a.drill").click()
    na_da = page.locator("#villages tr[data-village=binh-lu-na-da]")
    expect(na_da.locator(".value")).to_have_text("60%")
    expect(na_da.locator(".ratio")).to_have_text("12/20")
    expect(na_da.locator(".badge")).to_have_class("badge met")  # the plan's ">= 60"
    # the commune has no figure of its own for Q3: its line is its villages' sum
    expect(page.locator("#villages tr[data-unit=binh-lu] .value")).to_have_text("60%")
    expect(page.locator("#villages tr[data-village=binh-lu-tan-binh] .value")).to_have_text("—")

    page.goto(console.url + "/c/binh-lu/kpi/villages?indicator=online-dossiers&period=2026-Q1")
    expect(page.locator("#villages tr[data-unit=binh-lu] .ratio")).to_have_text("900/902")
    expect(page.locator("#villages tr[data-village=binh-lu-tan-binh] .ratio")).to_have_text(
        "26/26")  # the seed's even split (marked DEMO)
    expect(page.locator("#villages tr[data-village=binh-lu-na-da] .value")).to_have_text(
        "96,15%")
    shot(page, "kpi-villages")
    page.locator("#villages tr[data-village=binh-lu-na-da] td a").click()  # its history
    expect(page.locator("#history tbody tr")).to_have_count(3)
    expect(page.locator("#history tbody tr").first).to_contain_text("DEMO")
    expect(page.locator("#trend-table")).to_contain_text("96,15")
    page.go_back()
    page.locator("#villages tr[data-village=binh-lu-na-da] th a").click()
    expect(page.locator("#village tr[data-indicator=villages-4g] .ratio")).to_have_text("1/1")
    shot(page, "kpi-village")
    page.click("#back")
    expect(page.locator("#scorecard tr[data-indicator=online-dossiers] .value")).to_have_text(
        "99,78%")

    answer = page.goto(console.url + "/c/binh-lu/kpi/villages/lung-phinh-sin-chai")
    assert answer.status == 404 and "Sín Chải" not in page.content()
    for path in ("/c/lung-phinh/kpi/villages/lung-phinh-sin-chai",
                 "/c/lung-phinh/kpi/villages?indicator=e-health-records"):
        assert page.goto(console.url + path).status == 403, path
        assert "Lùng Phình" not in page.content() and "Sín Chải" not in page.content()


def test_progress_reported_on_the_task_board_changes_it(browser, console):
    page = signed_in(browser, console, OFFICER)
    page.goto(console.url + "/c/binh-lu/tasks")
    before = page.locator("#compliance").inner_text()
    row = page.locator("tbody tr:has(details)").first
    code = row.get_attribute("id")
    row.locator("summary").click()
    row.locator("input[name=percent]").fill("40")
    row.locator("input[name=note]").fill("Đã xây dựng dự thảo")
    row.locator("details button").click()
    expect(page.locator(".notice.ok")).to_be_visible()
    expect(page.locator(f"#{code} .pct")).to_have_text("40%")
    assert page.locator("#compliance").inner_text() != before
    updated, active = map(int, page.locator("#updated-count").inner_text().split("/"))
    shown = float(page.locator("#compliance").inner_text().rstrip("%").replace(",", "."))
    assert shown == round(100 * updated / active, 1)  # a percentage, not the API's ratio
    badge = page.locator("#compliance").get_attribute("class")
    assert ("met" if shown >= 90 else "missed") in badge.split()
    shot(page, "tasks")
    page.goto(console.url + "/c/binh-lu/tasks/review")
    expect(page.locator("h1")).to_contain_text("Rà soát")
    shot(page, "review")




def upload(page: Page, content: bytes) -> None:
    page.set_input_files("#xl-file", files=[{"name": "ke-hoach.xlsx", "mimeType": XLSX,
                                              "buffer": content}])
    page.get_by_role("button", name="Nhập từ Excel").click()
    expect(page.locator("h1")).to_contain_text("Kết quả nhập Excel")


def test_a_plan_imported_from_excel_shows_its_report_and_the_board_exports(browser, console):
    page = signed_in(browser, console, OFFICER)
    header = ["Mã", "Nhiệm vụ", "Đơn vị chủ trì", "Thời hạn"]
    good = [["XL-E2E-01", "Số hóa sổ hộ tịch", "Phòng Kinh tế", "31/12/2026"],
            ["XL-E2E-02", "Tập huấn kỹ năng số", "phong-kinh-te", "Quý IV/2026"]]
    page.goto(console.url + "/c/binh-lu/tasks")
    # a row of an unknown unit and a formula: each is reported, nothing is stored
    upload(page, workbook_bytes(header, *good,
                                ["XL-E2E-03", "Việc lạ", "Phòng Nội vụ", "=TODAY()"]))
    rows = page.locator("#import-rows tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("#import-outcome")).to_contain_text("chưa lưu dòng nào")
    expect(rows.nth(0)).to_contain_text("Chưa lưu")
    expect(rows.nth(2)).to_contain_text("Bị từ chối")
    expect(rows.nth(2)).to_contain_text("unknown unit 'Phòng Nội vụ'")
    expect(rows.nth(2)).to_contain_text("a formula (=TODAY())")
    shot(page, "tasks-import-refused")
    page.goto(console.url + "/c/binh-lu/tasks")
    upload(page, workbook_bytes(header, *good))
    expect(page.locator("#import-outcome")).to_contain_text("Đã nhập toàn bộ tệp")
    expect(page.locator("#import-rows tbody tr[data-outcome=created]")).to_have_count(2)
    shot(page, "tasks-import")
    # the board of one unit, exported as it is filtered
    page.goto(console.url + "/c/binh-lu/tasks?unit=phong-kinh-te")
    on_board = {code.removeprefix("task-") for code in
                page.locator("tr[id^=task-]").evaluate_all("rows => rows.map(r => r.id)")}
    assert {"XL-E2E-01", "XL-E2E-02"} <= on_board
    with page.expect_download() as downloaded:
        page.get_by_role("link", name="Xuất Excel").click()
    assert downloaded.value.suggested_filename.startswith("nhiem-vu-binh-lu-")
    # (the download's file has no .xlsx suffix, which openpyxl wants of a path)
    sheet = openpyxl.load_workbook(io.BytesIO(downloaded.value.path().read_bytes()))["Nhiệm vụ"]
    exported = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(exported) == on_board
    first, second = exported["XL-E2E-01"], exported["XL-E2E-02"]
    assert (first[1], first[4], first[8]) == ("Số hóa sổ hộ tịch", "Phòng Kinh tế",
                                              dt.datetime(2026, 12, 31))
    assert (second[1], second[8]) == ("Tập huấn kỹ năng số", "Quý IV/2026")


def test_a_label_sheet_prints(browser, console):
    page = signed_in(browser, console, OFFICER)
    page.goto(console.url + "/c/binh-lu/trace")
    shot(page, "trace")
    page.locator("#batches tr", has_text="MD-2026-01").get_by_role("link", name="In tem QR").click()
    expect(page.locator(".label svg")).to_have_count(12)
    shot(page, "labels")
    printed = page.pdf(format="A4")
    assert printed.startswith(b"%PDF") and len(printed) > 5000
    # The codes name the console, which passes the resolver's page through: a phone on
    # the LAN needs no other address.
    uri = page.locator(".label small").first.inner_text()
    assert uri == console.url + "/01/08939999000031/10/MD-2026-01"
    phone = browser.new_page()
    assert phone.goto(uri).status == 200
    expect(phone.locator("h1")).to_contain_text("Miến dong")
    expect(phone.locator("link[rel=stylesheet]")).to_have_attribute("href",
                                                                    re.compile("^/trace-static/"))
    shot(phone, "scanned")
    # its links (a linkset) lead back through the console too, not to the worker
    linkset = phone.request.get(uri + "?linkType=all").json()["linkset"][0]
    hrefs = [link["href"] for key, links in linkset.items() if key != "anchor"
             for link in links]
    assert hrefs and all(href.startswith(uri) for href in hrefs), hrefs
    unknown = phone.goto(console.url + "/01/08939999000994")  # a valid code of no product
    assert unknown.status == 404
    expect(phone.locator("h1")).to_contain_text("Không tìm thấy")
    page.goto(console.url + "/c/binh-lu/trace/batches/08939999000031/MD-2026-01")
    expect(page.locator("#verification")).to_contain_text("nguyên vẹn")
    shot(page, "batch")


def test_the_quarterly_report_downloads_from_the_reports_page_with_the_kpi_figures(browser,
                                                                                   console):
    page = signed_in(browser, console, OFFICER)
    page.goto(console.url + "/c/binh-lu/reports")
    page.fill("#r-year", "2026")
    page.select_option("#r-q", "1")
    page.select_option("#r-f", "docx")
    with page.expect_download() as downloaded:
        page.get_by_role("button", name="Tải về").click()
    assert downloaded.value.suggested_filename == quarterly.filename("binh-lu", 2026, 1, "docx")
    text = "\n".join(p.text for p in docx.Document(downloaded.value.path()).paragraphs)
    assert "Số lượng hồ sơ trực tuyến: 900/902 hồ sơ, tỷ lệ 99,78%" in text


def test_a_citizen_asks_for_an_officer_at_the_kiosk_and_the_desk_answers(browser, console):
    kiosk = browser.new_page()
    kiosk.goto(console.url + "/kiosk/binh-lu")
    kiosk.fill("#question", "Làm giấy khai sinh cần gì?")
    kiosk.get_by_role("button", name="Hỏi").click()
    kiosk.get_by_role("button", name="Gặp cán bộ").click()
    ticket = re.search(r"\((HO-[0-9A-F]+)\)", kiosk.locator(".notice.ok").inner_text())[1]

    desk = signed_in(browser, console, OFFICER)
    desk.goto(console.url + "/c/binh-lu/desk")
    row = desk.locator(f"#ticket-{ticket}")
    expect(row).to_have_attribute("data-status", "open")
    row.get_by_role("button", name="Nhận xử lý").click()
    expect(desk.locator(f"#ticket-{ticket}")).to_have_attribute("data-status", "claimed")
    desk.locator(f"#ticket-{ticket} input[name=text]").fill("Mời anh/chị đến bộ phận một cửa.")
    desk.locator(f"#ticket-{ticket}").get_by_role("button", name="Trả lời").click()
    expect(desk.locator(f"#ticket-{ticket}")).to_have_attribute("data-status", "answered")
    shot(desk, "desk")


def test_the_answers_trail_shows_a_days_answers_in_one_language_with_their_tickets(
        browser, console):
    kiosk = browser.new_page()
    kiosk.goto(console.url + "/kiosk/binh-lu")
    for question in ("Thủ tục đăng ký khai tử", "Kuv xav sau npe sib yuav, pes tsawg nyiaj?"):
        kiosk.fill("#question", question)
        kiosk.get_by_role("button", name="Hỏi").click()
        expect(kiosk.locator(".answer")).to_be_visible()
    expect(kiosk.locator(".answer")).to_have_attribute("lang", "hmn")
    kiosk.get_by_role("button", name="Gặp cán bộ").click()
    ticket = re.search(r"\((HO-[0-9A-F]+)\)", kiosk.locator(".notice.ok").inner_text())[1]

    page = signed_in(browser, console, OFFICER)
    page.goto(console.url + "/c/binh-lu/desk")
    page.get_by_role("link", name="Nhật ký trả lời của trợ lý →").click()
    rows = page.locator("#traces tbody tr")
    expect(page.locator("#traces tr[data-language=vi]").first).to_contain_text("HT-03")
    page.select_option("#f-language", "hmn")
    page.get_by_role("button", name="Lọc").click()
    expect(page).to_have_url(re.compile(r"language=hmn"))
    asked = rows.filter(has_text=ticket)
    expect(asked).to_contain_text("Tiếng Mông")
    expect(asked).to_contain_text("HT-02")  # the source cited
    expect(asked).to_contain_text("Chờ nhận")  # the ticket, open
    assert page.locator("#traces tbody tr:not([data-language=hmn])").count() == 0
    shot(page, "trail")
    operator = signed_in(browser, console, OPERATOR)  # the desk is officers' and admins'
    assert operator.goto(console.url + "/c/binh-lu/desk/trail").status == 403
    assert page.goto(console.url + "/c/binh-lu/desk/trail?day=31/12/2026").status == 400


def test_the_trail_pages_through_a_busy_day_showing_each_answer_once(browser, console):
    asked = set()
    for n in range(TRAIL_PAGE_SIZE + 5):
        status, _, content = http_call(console.workers["assistant"], "POST",
                                       "/api/v1/communes/binh-lu/assistant/ask",
                                       {"question": f"Đăng ký khai sinh cần giấy tờ gì? ({n})"})
        assert status == 200
        asked.add(json.loads(content)["answer"]["traceId"])
    page = signed_in(browser, console, OFFICER)
    page.goto(console.url + "/c/binh-lu/desk/trail?language=vi")
    pages = []
    while True:
        rows = page.locator("#traces tbody tr[id]").evaluate_all("rows => rows.map(r => r.id)")
        pages.append([row.removeprefix("trace-") for row in rows])
        if page.locator("#next-page").count() == 0:
            break
        with page.expect_navigation():
            page.locator("#next-page").click()
    shown = [trace for listed in pages for trace in listed]
    assert len(pages) >= 2 and len(pages[0]) == TRAIL_PAGE_SIZE
    assert len(shown) == len(set(shown))
    assert asked <= set(shown)


def test_a_user_of_one_commune_cannot_see_another_communes_pages(browser, console):
    page = signed_in(browser, console, OFFICER)
    for path in ("/c/lung-phinh/kpi", "/c/lung-phinh/ioc", "/c/lung-phinh/tasks",
                 "/c/lung-phinh/tasks/export",
                 "/c/lung-phinh/trace", "/c/lung-phinh/ioc/stream", "/c/lung-phinh/reports",
                 "/p/lao-cai/kpi", "/p/lai-chau/kpi", "/admin/accounts",
                 "/c/lung-phinh/trace/labels/08939999000031/MD-2026-01",
                 "/switch?to=lung-phinh&screen=kpi", "/c/binh-lu/ioc/watchlist",
                 "/c/lung-phinh/desk/trail"):
        answer = page.goto(console.url + path)
        assert answer.status == 403, path
        assert "Lùng Phình" not in page.content() and "lung-phinh" not in page.inner_text(
            "main"), path
    province = signed_in(browser, console, PROVINCE)
    assert province.goto(console.url + "/c/lung-phinh/kpi").status == 403
    assert province.goto(console.url + "/p/lao-cai/kpi").status == 403
    # Nobody signed in: to the sign-in form; a form without its CSRF token: refused.
    anonymous = httpx.Client(base_url=console.url)
    assert anonymous.get("/c/binh-lu/kpi").headers["location"] == "/login"
    incomplete = anonymous.post("/login", data={"username": "canbo.binhlu"})
    assert incomplete.status_code == 400 and "password: missing or invalid" in incomplete.text
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    forged = httpx.post(console.url + "/c/binh-lu/kpi/measurements", cookies=cookies,
                        data={"indicator": "online-dossiers", "period": "2026-Q3",
                              "numerator": "1", "denominator": "2"})
    assert forged.status_code == 403


def page_weight(browser, cookies: list[dict], url: str) -> tuple[int, list[str]]:
    """The bytes over the wire (headers and bodies as sent, gzip where the console
    compresses) of a page and of everything it loads, nothing cached: what a phone on 3G
    downloads the first time (a live event stream is not counted); and what it loaded."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies(cookies)
    page = context.new_page()
    finished = []
    page.on("requestfinished", lambda request: finished.append(request))
    page.goto(url, wait_until="load")
    total = 0
    for request in finished:
        sizes = request.sizes()
        total += sizes["responseHeadersSize"] + sizes["responseBodySize"]
    context.close()
    return total, [request.url for request in finished]


def test_every_screen_in_vietnamese_and_english_within_its_weight(browser, console):
    assert httpx.get(console.url + "/health/ready", timeout=30).json() == {"ready": True}
    page = signed_in(browser, console, ADMIN)
    cookies = page.context.cookies()
    screens = {"login": "/login", "ioc": "/c/binh-lu/ioc", "kpi": "/c/binh-lu/kpi",
               "kpi-villages": "/c/binh-lu/kpi/villages?indicator=online-dossiers",
               "tasks": "/c/binh-lu/tasks", "review": "/c/binh-lu/tasks/review",
               "trace": "/c/binh-lu/trace", "reports": "/c/binh-lu/reports",
               "accounts": "/admin/accounts", "kiosk": "/kiosk/binh-lu",
               "desk": "/c/binh-lu/desk", "trail": "/c/binh-lu/desk/trail",
               "kpi-history": "/c/binh-lu/kpi/history?indicator=online-dossiers&period=2026-Q1"}
    weights, loaded = {}, {}
    for name, path in screens.items():
        weights[name], loaded[name] = page_weight(browser, cookies, console.url + path)
    page.goto(console.url + "/c/binh-lu/reports")
    shot(page, "reports")
    page.goto(console.url + "/c/binh-lu/ioc/watchlist")  # an admin's, audited
    expect(page.locator("main table")).to_contain_text("25A-168.68")
    page.goto(console.url + "/lang/en")
    page.goto(console.url + "/c/binh-lu/kpi")
    expect(page.locator("h1")).to_contain_text("KPI board")
    shot(page, "kpi-en")
    page.goto(console.url + "/kiosk/binh-lu")
    page.fill("#question", "Làm giấy khai sinh cần gì?")
    page.get_by_role("button", name="Ask").click()
    expect(page.locator(".answer")).to_contain_text(re.compile("khai sinh", re.I))
    shot(page, "kiosk")
    print("page weights (bytes over the wire, page and all it loads):", weights)
    assert all(weight < DRAWING_BUDGET_BYTES.get(name, PAGE_BUDGET_BYTES)
               for name, weight in weights.items()), weights
    assert any("leaflet" in url for url in loaded["ioc"])
    assert any("echarts" in url for url in loaded["kpi-history"])
    assert [(name, url) for name, urls in loaded.items() if name not in DRAWING_BUDGET_BYTES
            for url in urls if any(library in url for library in DRAWING)] == []
