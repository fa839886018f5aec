"""The public kiosk's limit is per citizen: a console that trusts this host as its
proxy and an assistant worker, both with the same small limit. A citizen who asks too
often is told to wait; another citizen behind the same console is still answered, so
the assistant did not count the console's calls as one client's; a citizen cannot dodge
the count by naming others in X-Forwarded-For."""
import re

import httpx
import pytest

from tests.helpers import CALL_TIMEOUT_S, start_console, start_worker

pytestmark = pytest.mark.integration

LIMIT = 3
QUESTION = "Làm giấy khai sinh cần gì?"


@pytest.fixture(scope="module")
def console(settings):
    started = []
    try:
        assistant = start_worker(settings, "assistant",
                                 COMMUNE_ASSISTANT_RATE_LIMIT=f"{LIMIT}/minute")
        started.append(assistant)
        started.append(start_console(settings, {"assistant": assistant},
                                     COMMUNE_ASSISTANT_RATE_LIMIT=f"{LIMIT}/minute",
                                     COMMUNE_CONSOLE_TRUSTED_PROXIES="127.0.0.1"))
        yield started[-1]
    finally:
        for process in reversed(started):
            process.stop()


def ask(console, forwarded_for: str) -> httpx.Response:
    """A citizen's question at the kiosk, as the trusted proxy passes it on."""
    with httpx.Client(base_url=console.url, timeout=CALL_TIMEOUT_S,
                      headers={"X-Forwarded-For": forwarded_for}) as citizen:
        page = citizen.get("/kiosk/binh-lu")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)[1]
        return citizen.post("/kiosk/binh-lu", data={"csrf": csrf, "question": QUESTION})


def answered(page: httpx.Response) -> bool:
    return page.status_code == 200 and 'class="answer"' in page.text and "HT-01" in page.text


def test_a_citizen_who_asks_too_often_waits_while_another_is_answered(console):
    greedy = [ask(console, "198.51.100.1") for _ in range(LIMIT)]
    assert all(answered(page) for page in greedy), [p.status_code for p in greedy]
    told = ask(console, "198.51.100.1")
    assert told.status_code == 429 and 'id="kiosk-wait"' in told.text
    assert int(told.headers["Retry-After"]) >= 1 and 'class="answer"' not in told.text
    # names put before the proxy's own entry are the citizen's say: still counted
    assert ask(console, "203.0.113.77, 198.51.100.1").status_code == 429
    # the console has sent the assistant LIMIT questions already: it must not count them
    for _ in range(LIMIT):
        assert answered(ask(console, "198.51.100.2"))
