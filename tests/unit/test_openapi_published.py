"""The published OpenAPI contracts (contracts/openapi/<worker>.json) are the documents the
workers serve at /openapi.json: one per worker, none stale."""
from services import catalog
from services.common.api import openapi
from tests.conftest import ROOT

PUBLISHED = ROOT / "contracts" / "openapi"


def test_each_workers_published_copy_is_the_document_it_serves():
    documents = openapi.of_workers(catalog.WORKERS)
    assert sorted(p.stem for p in PUBLISHED.glob("*.json")) == sorted(catalog.WORKERS)
    for name, document in documents.items():
        assert (PUBLISHED / f"{name}.json").read_text(encoding="utf-8") == \
            openapi.published(document), (
                f"contracts/openapi/{name}.json is out of date: run "
                "`commune openapi --out contracts/openapi`")


def test_the_iocs_contract_documents_its_period_filters():
    ioc = openapi.of_workers({"iocevents": catalog.WORKERS["iocevents"]})["iocevents"]
    for path in ("/api/v1/communes/{tenant}/ioc/alerts", "/api/v1/communes/{tenant}/ioc/stats"):
        names = [p["name"] for p in ioc["paths"][path]["get"]["parameters"]]
        assert "period" in names, path
