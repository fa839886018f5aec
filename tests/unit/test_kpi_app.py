"""The kpi use cases (app.py) and their models without a database: what the table lets
through for a province, what a request reads from each door, the names an answer
gives a figure's counts (integration and e2e tests run them for real)."""
import datetime as dt
from unittest import mock

import pytest

from services.common.api.operations import invoke, parse
from services.common.auth import Principal
from services.common.errors import InvalidArgument, PermissionDenied
from services.kpi import schemas as s
from services.kpi.app import OPERATIONS, KpiApp
from services.kpi.orgtree import OrgTree

TREE = OrgTree.of([
    {"code": "lao-cai", "kind": "province", "parent_code": ""},
    {"code": "lung-phinh", "kind": "commune", "parent_code": "lao-cai"},
    {"code": "ta-van", "kind": "commune", "parent_code": "lao-cai"},
    {"code": "thon-1", "kind": "village", "parent_code": "lung-phinh"}])


@pytest.fixture
def app():
    return KpiApp(mock.Mock(), lambda: TREE, events=mock.Mock())


def run(app, name, request, principal):
    operation = OPERATIONS[name]
    return invoke(app, operation, principal, parse(operation, request))


def test_a_province_is_read_only_by_a_token_holding_all_of_its_communes(app):
    partial = Principal("so-khcn", "province", frozenset({"lung-phinh"}))
    for name in ("get_report", "set_province_target"):
        request = {**OPERATIONS[name].example, "tenant": "lao-cai"}
        with pytest.raises(PermissionDenied, match="ta-van"):
            run(app, name, request, partial)
    assert app.store.mock_calls == []  # refused before anything is read or written
    assert app.communes("lao-cai") == ("lung-phinh", "ta-van")
    assert app.communes("lung-phinh") == ("lung-phinh",)


def test_a_target_goes_to_the_operation_of_its_unit_kind(app):
    admin = Principal("chu-tich", "admin", frozenset({"lung-phinh", "ta-van"}))
    with pytest.raises(InvalidArgument) as commune:
        run(app, "set_province_target", {**OPERATIONS["set_province_target"].example,
                                         "tenant": "lung-phinh"}, admin)
    assert commune.value.fields == {"tenant": "not a province"}
    with pytest.raises(InvalidArgument) as province:
        run(app, "set_target", {**OPERATIONS["set_target"].example, "tenant": "lao-cai"},
            Principal("chu-tich", "admin", frozenset({"lao-cai"})))
    assert province.value.fields == {"tenant": "not a commune"}
    assert app.store.mock_calls == []


def test_a_grpc_report_request_names_its_tenant_unit_and_its_period_a_message():
    request = parse(OPERATIONS["get_report"], {
        "unit": "lao-cai", "period": {"kind": "PERIOD_KIND_QUARTER", "year": 2027, "number": 2},
        "includeCommunes": True})
    assert (request.tenant, request.period, request.include_communes) == (
        "lao-cai", "2027-Q2", True)
    with pytest.raises(InvalidArgument) as missing:
        parse(OPERATIONS["get_report"], {"unit": "lao-cai", "period": {}})
    assert missing.value.fields == {"period": "required"}


@pytest.mark.parametrize("request_, field", [
    ({"num": 900}, "num"),  # one name per field: numerator
    ({"numerator": -1}, "numerator"),
    ({"period": "Q5/2026"}, "period"),
])
def test_a_figure_is_refused_naming_the_field_at_fault(request_, field):
    with pytest.raises(InvalidArgument) as refused:
        parse(OPERATIONS["enter_measurement"], {**OPERATIONS["enter_measurement"].example,
                                                **request_})
    assert field in refused.value.fields


def test_a_measurement_defaults_to_the_commune_and_comparisons_use_the_contracts_names():
    entered = parse(OPERATIONS["enter_measurement"], OPERATIONS["enter_measurement"].example)
    assert entered.where() == {"indicator": "online-dossiers", "unit": "binh-lu",
                               "period": "2026-Q3"}
    target = parse(OPERATIONS["set_target"], OPERATIONS["set_target"].example)
    assert target.fields()["comparison"] == "gt"
    with pytest.raises(InvalidArgument):
        parse(OPERATIONS["set_target"], {**OPERATIONS["set_target"].example, "comparison": ">"})


def test_the_history_names_counts_as_they_were_entered():
    stored = {"rev": 2, "status": "submitted", "action": "submit", "num": 900, "den": 902,
              "value": 99.78, "by": "cb-1", "at": "2026-07-01T09:00:00+00:00",
              "source_document": "BC 12", "note": "", "reason": "", "tenant": "binh-lu"}
    wire = s.MeasurementHistory(revisions=[s.Revision.of(stored)]).wire()["revisions"][0]
    assert (wire["revision"], wire["numerator"], wire["denominator"]) == (2, 900, 902)
    assert (wire["changedBy"], wire["sourceDocument"]) == ("cb-1", "BC 12")
    assert dt.datetime.fromisoformat(wire["changeTime"]).tzinfo is not None
    assert not {"num", "den", "rev", "by", "at"} & set(wire)
