"""The web console in a real browser (Debian's chromium driven by Playwright) against
the platform's processes with the demo data of `commune seed`, in a namespace of its
own: sign-in and the lock, live IOC alerts acknowledged on the screen, a KPI figure
entered, approved and seen on the province's board, progress reported on the task board,
a label sheet printed, one commune's user kept out of another's pages. Screenshots of
every screen go to var/screenshots/; each page's weight (gzip) is printed and bounded."""
import gzip
import re
import subprocess

import docx
import httpx
import pytest
from playwright.sync_api import Page, expect, sync_playwright

from services.console.accounts import DEMO_PASSWORD
from services.reports import quarterly
from tests.e2e.console_process import Console
from tests.helpers import (
    BIN,
    ROOT,
    SEED_TIMEOUT_S,
    WAIT_S,
    Process,
    env_for,
    start_grpc,
    start_worker,
)

pytestmark = pytest.mark.e2e
SHOTS = ROOT / "var" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
OFFICER, OPERATOR, ADMIN, PROVINCE = ("canbo.binhlu", "vanhanh.binhlu", "quantri.binhlu",
                                      "tinh.laichau")
# A page, its stylesheet and scripts, gzip-compressed, on a 3G phone: at most this.
PAGE_BUDGET_BYTES = 60_000


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
        app = Console(settings, workers, ioc_grpc)
        started.append(app)
        app.settings = settings
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
    quiet = "#3a7d44"  # the map's colour of a location without alerts
    expect(page.locator(f"#map circle[fill]:not([fill='{quiet}']):not([fill=none])")
           .first).to_be_attached()
    assert page.evaluate("window.sameLoad") is True
    shot(page, "ioc")

    open_row.locator("input[name=note]").fill("Đã báo công an xã")
    open_row.locator("button[value=acknowledge]").click()
    expect(page.locator(f"#{row_id}")).to_have_attribute("data-status",
                                                         "ALERT_STATUS_ACKNOWLEDGED")
    expect(page.locator(f"#{row_id} .status")).to_contain_text(OPERATOR)
    assert page.evaluate("window.sameLoad") is True


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
    admin.locator("#scorecard tr[data-indicator=online-dossiers] a").click()
    expect(admin.locator("#history tbody tr")).to_have_count(3)  # entered, submitted, approved
    expect(admin.locator("#history tbody tr").last).to_contain_text(ADMIN)

    province = signed_in(browser, console, PROVINCE)
    province.goto(console.url + "/p/lai-chau/kpi?period=2026-Q2")
    cell = province.locator("tr[data-commune=binh-lu] td[data-indicator=online-dossiers]")
    expect(cell).to_have_text("91%")
    shot(province, "province")


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
    shot(page, "tasks")
    page.goto(console.url + "/c/binh-lu/tasks/review")
    expect(page.locator("h1")).to_contain_text("Rà soát")
    shot(page, "review")


def test_a_label_sheet_prints(browser, console):
    page = signed_in(browser, console, OFFICER)
    page.goto(console.url + "/c/binh-lu/trace")
    shot(page, "trace")
    page.locator("#batches tr", has_text="MD-2026-01").get_by_role("link", name="In tem QR").click()
    expect(page.locator(".label svg")).to_have_count(12)
    shot(page, "labels")
    printed = page.pdf(format="A4")
    assert printed.startswith(b"%PDF") and len(printed) > 5000
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


def test_a_user_of_one_commune_cannot_see_another_communes_pages(browser, console):
    page = signed_in(browser, console, OFFICER)
    for path in ("/c/lung-phinh/kpi", "/c/lung-phinh/ioc", "/c/lung-phinh/tasks",
                 "/c/lung-phinh/trace", "/c/lung-phinh/ioc/stream", "/c/lung-phinh/reports",
                 "/p/lao-cai/kpi", "/p/lai-chau/kpi", "/admin/accounts",
                 "/c/lung-phinh/trace/labels/08939999000031/MD-2026-01",
                 "/switch?to=lung-phinh&screen=kpi", "/c/binh-lu/ioc/watchlist"):
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


def page_weight(client: httpx.Client, path: str) -> int:
    """The gzip bytes of a page and the stylesheets and scripts it loads."""
    html = client.get(path).text
    linked = re.findall(r'(?:href|src)="(/(?:static|assets)/[^"]+)"', html)
    bodies = [html.encode()]
    for url in linked:
        answer = client.get(url)
        assert answer.status_code == 200, url  # no redirect: one round trip each
        bodies.append(answer.content)
    return sum(len(gzip.compress(body)) for body in bodies)


def test_every_screen_in_vietnamese_and_english_within_its_weight(browser, console):
    page = signed_in(browser, console, ADMIN)
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    client = httpx.Client(base_url=console.url, cookies=cookies, timeout=60,
                          follow_redirects=False)
    screens = {"login": "/login", "ioc": "/c/binh-lu/ioc", "kpi": "/c/binh-lu/kpi",
               "tasks": "/c/binh-lu/tasks", "review": "/c/binh-lu/tasks/review",
               "trace": "/c/binh-lu/trace", "reports": "/c/binh-lu/reports",
               "accounts": "/admin/accounts", "kiosk": "/kiosk/binh-lu",
               "desk": "/c/binh-lu/desk"}
    weights = {name: page_weight(client, path) for name, path in screens.items()}
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
    print("page weights (gzip bytes, page + css + js):", weights)
    assert all(weight < PAGE_BUDGET_BYTES for weight in weights.values()), weights
