"""The handoff desk's use cases (desk_app.py) on the real database and broker: officers
claiming one ticket at once leave one claim and one event; workers checking for
unclaimed tickets at once announce each ticket once; the answers' trail of a day, in one
language, shows the tickets opened about each answer."""
import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest

from commune.v1 import assistant_pb2
from services.assistant.app import OPERATIONS, AssistantApp
from services.assistant.domain import default_assistant
from services.assistant.store import AssistantStore
from services.common.api.operations import invoke, parse
from services.common.auth import Principal
from services.common.envelope import Envelope
from services.common.errors import FailedPrecondition, InvalidArgument
from services.common.publisher import Publisher

pytestmark = pytest.mark.integration

TENANT = "lung-phinh"
RACERS = 6


@pytest.fixture(scope="module")
def apps(mongo, settings):
    """Apps of as many workers, each with its own publisher, on one database."""
    publishers = [Publisher(settings.amqp_uri, settings.namespace) for _ in range(RACERS)]
    store = AssistantStore(mongo[f"{settings.namespace}_assistant"])
    yield [AssistantApp(store, p, default_assistant(), "test-secret") for p in publishers]
    for publisher in publishers:
        publisher.close()


def run(app, name: str, request: dict, officer: str = "") -> dict:
    operation = OPERATIONS[name]
    caller = Principal(officer, "officer", frozenset({TENANT})) if officer else None
    return invoke(app, operation, caller,
                  parse(operation, {"tenant": TENANT, **request})).wire()


def ticket(app, session: str) -> str:
    return run(app, "handoff", {"question": "cần gặp cán bộ tư pháp",
                                "sessionId": session})["ticketId"]


def test_officers_claiming_one_ticket_at_once_leave_one_claim_and_one_event(apps, broker):
    queue = broker.capture("assistant", "assistant.handoff_claimed")
    opened = ticket(apps[0], "kiosk-race")

    def claim(n: int):
        try:
            return run(apps[n], "claim_handoff", {"ticketId": opened}, f"cb-{n}")["claimedBy"]
        except FailedPrecondition:
            return None
    with ThreadPoolExecutor(RACERS) as pool:
        winners = [w for w in pool.map(claim, range(RACERS)) if w]
    assert len(winners) == 1
    listed = run(apps[0], "list_handoffs", {"status": "claimed"}, "cb-0")["handoffs"]
    assert [t["claimedBy"] for t in listed if t["ticketId"] == opened] == winners
    event = Envelope.parse(broker.take(queue).body)
    claimed = event.payload(assistant_pb2.HandoffClaimed)
    assert (claimed.ticket_id, claimed.officer, event.subject) == (opened, winners[0], opened)
    assert broker.message_count(queue.name) == 0  # published with confirms: none to come


def test_workers_checking_at_once_announce_each_unclaimed_ticket_once(apps, broker):
    queue = broker.capture("assistant", "assistant.handoff_unclaimed")
    opened = {ticket(apps[0], f"kiosk-late-{n}") for n in range(3)}
    # every ticket of the namespace past a zero window, others' included
    with ThreadPoolExecutor(RACERS) as pool:
        counts = list(pool.map(lambda app: app.announce_unclaimed(dt.timedelta(0)), apps))
    announced = [Envelope.parse(broker.take(queue).body) for _ in range(sum(counts))]
    assert broker.message_count(queue.name) == 0
    subjects = [e.subject for e in announced]
    assert len(subjects) == len(set(subjects)) and opened <= set(subjects)
    assert all(app.announce_unclaimed(dt.timedelta(0)) == 0 for app in apps[:2])
    listed = run(apps[0], "list_handoffs", {"status": "open", "pageSize": 200}, "cb-0")
    assert all(t["unclaimedAlerted"] for t in listed["handoffs"] if t["ticketId"] in opened)


def test_the_trail_lists_a_days_answers_in_one_language_with_their_tickets(apps):
    asked = {language: run(apps[0], "ask", {"question": question})["answer"]
             for language, question in (("vi", "thủ tục đăng ký khai tử"),
                                        ("hmn", "Kuv xav sau npe sib yuav, pes tsawg nyiaj?"))}
    assert {language: a["language"] for language, a in asked.items()} == {"vi": "vi",
                                                                           "hmn": "hmn"}
    opened = run(apps[0], "handoff", {"traceId": asked["hmn"]["traceId"]})["ticketId"]
    run(apps[0], "claim_handoff", {"ticketId": opened}, "cb-trail")
    day = asked["hmn"]["traceId"][:8]
    day = f"{day[:4]}-{day[4:6]}-{day[6:]}"

    def trail(language: str) -> list[dict]:
        rows, token = [], ""
        while True:  # page by page, as the console does
            page = run(apps[0], "list_traces", {"day": day, "language": language,
                                                "pageSize": 2, "pageToken": token}, "cb-0")
            rows += page["traces"]
            token = page["nextPageToken"]
            if not token:
                return rows
    hmong = trail("hmn")
    assert {t["language"] for t in hmong} == {"hmn"}
    [mine] = [t for t in hmong if t["traceId"] == asked["hmn"]["traceId"]]
    assert mine["handoffs"] == [{"ticketId": opened, "status": "claimed"}]
    assert mine["citations"] and mine["confidence"] > 0
    assert asked["vi"]["traceId"] not in {t["traceId"] for t in hmong}
    everyone = {t["traceId"]: t for t in trail("")}
    assert everyone[asked["vi"]["traceId"]]["handoffs"] == []
    assert {a["traceId"] for a in asked.values()} <= set(everyone)
    with pytest.raises(InvalidArgument):
        parse(OPERATIONS["list_traces"], {"tenant": TENANT, "language": "fr"})
