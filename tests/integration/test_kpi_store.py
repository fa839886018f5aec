"""The KPI store on the real database: revisions kept, approval and its event in the
outbox, concurrent writers of one commune's sheet (none lost), reports read back, bad
input storing nothing."""
import datetime as dt
import threading

import pytest

from services.common.errors import InvalidArgument, NotFound
from services.common.periods import Period
from services.common.publisher import Publisher
from services.directory import tree
from services.kpi.keys import measurements_collection, revision_id, sheet_id
from services.kpi.ledger import Ledger
from services.kpi.orgtree import OrgTree
from services.kpi.reading import Reports

pytestmark = pytest.mark.integration

NOW = dt.datetime(2026, 4, 2, 8, 0, tzinfo=dt.UTC)
Q1 = Period("quarter", 2026, 1)
TREE = OrgTree.of(tree.units())


@pytest.fixture
def ledger(kpi_store):
    return Ledger(kpi_store, TREE)


def figure(indicator="online-dossiers", unit="binh-lu", **numbers):
    return {"indicator": indicator, "unit": unit, "period": "2026-Q1", **numbers}


def approve(ledger, tenant, fields):
    ledger.enter(tenant, fields, "officer", NOW)
    ledger.act(tenant, fields, "submit", "officer", NOW)
    return ledger.act(tenant, fields, "approve", "chair", NOW)


def test_revisions_are_kept_and_the_approval_waits_in_the_outbox(kpi_store, ledger):
    where = figure()
    approve(ledger, "binh-lu", {**where, "numerator": 900, "denominator": 902,
                                "source_document": "BC Quý I/2026, mục 4"})
    ledger.enter("binh-lu", {**where, "numerator": 901, "denominator": 902,
                             "reason": "đối chiếu lại"}, "officer", NOW)
    history = ledger.history("binh-lu", where)
    assert [(r["rev"], r["status"], r["num"]) for r in history] == [
        (1, "entered", 900), (2, "submitted", 900), (3, "approved", 900), (4, "entered", 901)]
    assert history[0]["source_document"] == "BC Quý I/2026, mục 4"
    sheet = kpi_store.db.sheets_2026_Q1.find_one({"_id": sheet_id("binh-lu", "2026-Q1")})
    [event] = sheet["outbox"].values()
    assert event["type"] == "kpi.measurement_approved"
    assert event["data"]["numerator"] == 900 and event["data"]["enteredBy"] == "officer"

    reports = Reports(kpi_store, lambda: TREE)
    approved = {r["indicator"]: r for r in reports.commune("binh-lu", Q1)}
    drafts = {r["indicator"]: r for r in reports.commune("binh-lu", Q1, drafts=True)}
    assert approved["online-dossiers"]["value"] == 99.78  # the approved revision holds
    assert drafts["online-dossiers"]["numerator"] == 901


def test_a_revision_left_by_a_write_cut_short_gives_way_to_the_retry(kpi_store, ledger):
    where = figure()
    ledger.enter("binh-lu", {**where, "numerator": 900, "denominator": 902}, "officer", NOW)
    # the database went away after the attempt's revision, before its sheet was written
    left = {"_id": revision_id("binh-lu", "online-dossiers", "binh-lu", "2026-Q1", 2),
            "rev": 2, "status": "entered", "num": 5, "den": 902}
    kpi_store.db[measurements_collection("2026-Q1")].insert_one(left)
    ledger.enter("binh-lu", {**where, "numerator": 901, "denominator": 902,
                             "reason": "đối chiếu lại"}, "officer", NOW)
    history = ledger.history("binh-lu", where)
    assert [(r["rev"], r["num"]) for r in history] == [(1, 900), (2, 901)]


def test_a_target_whose_body_names_another_unit_is_refused(kpi_store, ledger):
    """The unit is named by the call and again in the body: they must agree, or a target
    meant for one commune would be set for another."""
    with pytest.raises(InvalidArgument, match="unit 'lung-phinh' in the body differs from "
                                              "'binh-lu'"):
        ledger.set_target("binh-lu", {"indicator": "online-dossiers", "period": "2026",
                                      "unit": "lung-phinh", "comparison": ">=", "value": 95},
                          "chair", NOW)
    assert kpi_store.db.sheets_2026.find_one({"_id": sheet_id("binh-lu", "2026")}) is None
    assert ledger.set_target("binh-lu", {"indicator": "online-dossiers", "period": "2026",
                                         "unit": "binh-lu", "comparison": ">=", "value": 95},
                             "chair", NOW)["value"] == 95


def test_an_approval_that_misses_the_target_is_announced_and_so_is_its_recovery(kpi_store,
                                                                               ledger):
    def outbox_types():
        sheet = kpi_store.db.sheets_2026_Q1.find_one({"_id": sheet_id("binh-lu", "2026-Q1")})
        return sorted(e["type"] for e in sheet["outbox"].values())
    ledger.set_target("binh-lu", {"indicator": "online-dossiers", "period": "2026",
                                  "comparison": ">=", "value": 95}, "chair", NOW)
    # a village's figure: the commune's line (its villages' roll-up) misses the year's target
    approve(ledger, "binh-lu", figure(unit="binh-lu-na-da", numerator=80, denominator=100))
    assert outbox_types() == ["kpi.measurement_approved", "kpi.target_missed"]
    sheet = kpi_store.db.sheets_2026_Q1.find_one({"_id": sheet_id("binh-lu", "2026-Q1")})
    [missed] = [e for e in sheet["outbox"].values() if e["type"] == "kpi.target_missed"]
    assert (missed["subject"], missed["data"]["approvedUnit"]) == ("online-dossiers|binh-lu",
                                                                    "binh-lu-na-da")
    row = missed["data"]["row"]
    assert (row["unit"], row["value"], row["status"]) == ("binh-lu", 80.0, "KPI_STATUS_MISSED")
    assert row["target"]["period"]["year"] == 2026

    approve(ledger, "binh-lu", figure(numerator=900, denominator=902, reason="cả xã"))
    assert outbox_types() == ["kpi.measurement_approved", "kpi.measurement_approved",
                              "kpi.target_missed", "kpi.target_recovered"]
    # a figure met as before tells nothing new
    approve(ledger, "binh-lu", figure(numerator=901, denominator=902, reason="đối chiếu"))
    assert outbox_types().count("kpi.target_recovered") == 1


def test_a_changed_target_is_outboxed_for_each_approved_line_it_moves(kpi_store, ledger):
    def set_year_target(value, **fields):
        ledger.set_target("binh-lu", {"indicator": "online-dossiers", "period": "2026",
                                      "comparison": ">=", "value": value, **fields},
                          "chair", NOW)

    def told():
        sheet = kpi_store.db.sheets_2026.find_one({"_id": sheet_id("binh-lu", "2026")})
        return sorted((e["type"], e["data"]["period"]["number"], e["data"]["row"]["status"],
                       e["data"]["targetSetBy"]) for e in sheet.get("outbox", {}).values())
    approve(ledger, "binh-lu", figure(numerator=900, denominator=1000))  # Q1: 90%
    q2 = figure(period="2026-Q2", numerator=100, denominator=1000)  # Q2: 10%
    approve(ledger, "binh-lu", q2)
    ledger.set_target("binh-lu", {"indicator": "online-dossiers", "period": "2026-Q2",
                                  "comparison": ">=", "value": 5}, "chair", NOW)

    set_year_target(80)
    assert told() == []  # Q1 meets it; Q2 reads its own target
    set_year_target(100)
    assert told() == [("kpi.target_missed", 1, "KPI_STATUS_MISSED", "chair")]
    set_year_target(100, source_document="NQ 05/2026")  # compares as before
    assert len(told()) == 1
    set_year_target(85)
    assert told() == [("kpi.target_missed", 1, "KPI_STATUS_MISSED", "chair"),
                      ("kpi.target_recovered", 1, "KPI_STATUS_MET", "chair")]


def test_concurrent_writers_of_one_sheet_lose_nothing(kpi_store, ledger):
    indicators = ["online-dossiers", "full-online-dossiers", "e-results", "data-reuse",
                  "satisfaction", "online-payment"]
    errors = []

    def enter(code):
        try:
            ledger.enter("binh-lu", figure(code, numerator=1, denominator=2), code, NOW)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
    threads = [threading.Thread(target=enter, args=(c,)) for c in indicators]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    sheet = kpi_store.read_packed("sheets_2026_Q1", sheet_id("binh-lu", "2026-Q1"))
    assert {key.split("|")[0] for key in sheet["cells"]} == set(indicators)
    for code in indicators:
        assert len(ledger.history("binh-lu", figure(code))) == 1


def test_relaying_while_figures_are_approved_loses_no_write(kpi_store, ledger, settings):
    """The relay sends a sheet's events without writing the sheet: relay passes during
    approvals undo none of them, and once the events are out no listing is left."""
    indicators = ["online-dossiers", "full-online-dossiers", "e-results", "data-reuse",
                  "satisfaction", "online-payment"]
    publisher = Publisher(settings.amqp_uri, settings.namespace)
    approving = threading.Event()
    relayed = []

    def relay_while_approving():
        while not approving.is_set():
            relayed.append(kpi_store.outbox.relay(publisher, dt.timedelta(0)))
    relay = threading.Thread(target=relay_while_approving)
    relay.start()
    try:
        for code in indicators:
            # a target per indicator, so that each approval is announced (an event)
            ledger.set_target("binh-lu", {"indicator": code, "unit": "binh-lu",
                                          "period": "2026-Q1", "comparison": ">=",
                                          "value": 99}, "chair", NOW)
            approve(ledger, "binh-lu", figure(code, numerator=1, denominator=2))
    finally:
        approving.set()
        relay.join()
    relayed.append(kpi_store.outbox.relay(publisher, dt.timedelta(0)))
    publisher.close()
    for code in indicators:
        assert ledger.history("binh-lu", figure(code))[-1]["status"] == "approved", code
    assert sum(relayed) >= len(indicators)  # each approval's event, at least
    assert kpi_store.db.outbox_pending.count_documents({}) == 0


@pytest.mark.parametrize("fields, message", [
    (figure(numerator=903, denominator=902), "larger than denominator"),
    (figure(numerator=-1, denominator=902), "numerator"),
    (figure(period="Quý V/2026", numerator=1, denominator=2), "quarter"),
    (figure(unit="lung-phinh", numerator=1, denominator=2), "not commune"),
    (figure(unit="lung-phinh-sin-chai", numerator=1, denominator=2), "not commune"),
])
def test_bad_input_stores_nothing(kpi_store, ledger, fields, message):
    with pytest.raises(InvalidArgument, match=message):
        ledger.enter("binh-lu", fields, "officer", NOW)
    assert kpi_store.db.list_collection_names() == ["task_facts"]  # its index, made at start


def test_unknown_indicator_is_not_found(kpi_store, ledger):
    with pytest.raises(NotFound):
        ledger.enter("binh-lu", figure("no-such-thing", numerator=1, denominator=2),
                     "officer", NOW)
    assert kpi_store.db.list_collection_names() == ["task_facts"]  # its index, made at start


def test_province_report_rolls_up_villages_and_communes_with_targets(kpi_store, ledger):
    approve(ledger, "lung-phinh", figure("e-health-records", unit="lung-phinh-sin-chai",
                                         numerator=500, denominator=600))
    approve(ledger, "lung-phinh", figure("e-health-records", unit="lung-phinh-ta-chai",
                                         numerator=700, denominator=800))
    ledger.set_target("lao-cai", {"indicator": "e-health-records", "period": "2026",
                                  "comparison": ">=", "value": 90}, "so-yte", NOW)
    result = Reports(kpi_store, lambda: TREE).province("lao-cai", Q1, with_communes=True)
    row = {r["indicator"]: r for r in result["rows"]}["e-health-records"]
    assert (row["numerator"], row["denominator"], row["value"]) == (1200, 1400, 85.7)
    assert row["status"] == "at_risk" and row["target"]["period"] == "2026"
    [commune] = result["communes"]
    assert commune["unit"] == "lung-phinh"


def test_a_communes_villages_are_read_back_and_another_communes_are_not_found(kpi_store,
                                                                            ledger):
    approve(ledger, "binh-lu", figure(unit="binh-lu-na-da", numerator=26, denominator=26))
    approve(ledger, "binh-lu", figure(numerator=900, denominator=902))
    reports = Reports(kpi_store, lambda: TREE)
    lines = {v["unit"]: v["rows"] for v in reports.villages("binh-lu", Q1, "online-dossiers")}
    assert sorted(lines) == ["binh-lu-hung-binh", "binh-lu-na-da", "binh-lu-tan-binh"]
    [na_da] = lines["binh-lu-na-da"]
    assert (na_da["value"], na_da["numerator"], na_da["denominator"]) == (100.0, 26, 26)
    assert lines["binh-lu-tan-binh"][0]["value"] is None
    [one] = reports.villages("binh-lu", Q1, village="binh-lu-na-da")
    assert {r["indicator"] for r in one["rows"] if r["value"] is not None} == {
        "online-dossiers"}
    for village in ("lung-phinh-sin-chai", "binh-lu", "nowhere"):
        with pytest.raises(NotFound):
            reports.villages("binh-lu", Q1, village=village)
    with pytest.raises(InvalidArgument, match="derived"):
        reports.villages("binh-lu", Q1, "task-completion-rate")


def test_task_states_count_before_and_after_they_are_folded(kpi_store):
    from services.kpi import derived
    from tests.unit.test_kpi_derived import task_event
    states = [derived.task_state(*task_event(f"t{i}", "done" if i % 2 else "assigned",
                                             deadline="2026-03-31", done="2026-03-01",
                                             tenant="binh-lu")) for i in range(6)]
    threads = [threading.Thread(target=kpi_store.add_task_state, args=("binh-lu", f"e{i}", s))
               for i, s in enumerate(states)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    kpi_store.add_task_state("binh-lu", "e0", states[0])  # the same event again
    reports = Reports(kpi_store, lambda: TREE)

    def completion():
        row = {r["indicator"]: r for r in reports.commune("binh-lu", Q1)}["task-completion-rate"]
        return row["numerator"], row["denominator"]
    assert completion() == (3, 6)
    assert kpi_store.fold_task_inbox("binh-lu", derived.apply_task) == 6
    assert kpi_store.pending_task_states() == {}
    assert completion() == (3, 6)
    assert kpi_store.fold_task_inbox("binh-lu", derived.apply_task) == 0


def test_a_created_task_counts_once_before_and_after_its_fact_is_folded(kpi_store):
    """The event path puts the fact in the inbox with the task's state (one insert);
    the fold keeps it in task_facts; a replay of the event, or another event about the
    same task, never counts it twice."""
    from services.kpi import derived
    from tests.unit.test_kpi_derived import task_event
    event, envelope = task_event("t1", "assigned", deadline="2026-03-31", tenant="binh-lu")
    fact = {"tenant": "binh-lu", "task_id": "t1", "code": "T1", "created_at": NOW,
            "event_id": envelope.id}
    state = derived.task_state(event, envelope)
    kpi_store.add_task_state("binh-lu", envelope.id, state, fact)
    kpi_store.add_task_state("binh-lu", envelope.id, state, fact)  # the same event again
    assert kpi_store.tasks_created("binh-lu") == 1
    assert kpi_store.db.task_facts.count_documents({}) == 0  # not folded yet
    assert kpi_store.fold_task_inbox(None, derived.apply_task) == 1
    assert kpi_store.db.task_facts.count_documents({}) == 1
    assert kpi_store.pending_task_states() == {}
    kpi_store.add_task_state("binh-lu", "a-replay", state, fact)  # after the fold
    assert kpi_store.tasks_created("binh-lu") == 1
    kpi_store.fold_task_inbox(None, derived.apply_task)
    assert kpi_store.created_tasks("binh-lu")["t1"]["code"] == "T1"
    assert kpi_store.tasks_created("binh-lu") == 1 and kpi_store.tasks_created("lung-phinh") == 0


def test_one_fold_takes_every_commune(kpi_store):
    from services.kpi import derived
    from tests.unit.test_kpi_derived import task_event
    for tenant in ("binh-lu", "lung-phinh"):
        event, envelope = task_event(f"{tenant}-t", "assigned", tenant=tenant,
                                     envelope_tenant=tenant)
        kpi_store.add_task_state(tenant, envelope.id, derived.task_state(event, envelope))
    assert kpi_store.fold_task_inbox(None, derived.apply_task) == 2
    assert kpi_store.pending_task_states() == {}
