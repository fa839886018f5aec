"""`commune backup dump|restore` on the real database: every database of the namespace
out to a directory in mongodump's layout and back, documents and indexes equal; a
restore refuses a namespace that holds data, a dump a directory that does."""
import datetime as dt
import subprocess

import bson
import pytest

from services.common.mongo import make_client
from tests.helpers import BIN, env_for, remove_namespace

pytestmark = pytest.mark.integration


def contents(settings) -> dict:
    client = make_client(settings)
    try:
        return {name: {c: sorted(client[name][c].find(), key=lambda d: str(d["_id"]))
                       for c in client[name].list_collection_names()}
                for name in client.list_database_names()
                if name.startswith(f"{settings.namespace}_")}
    finally:
        client.close()


def commune(settings, *args) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "commune"), *args], env=env_for(settings),
                          capture_output=True, text=True, timeout=300)


def test_a_dump_restores_every_document_and_index(other_namespace, tmp_path):
    settings = other_namespace()
    client = make_client(settings)
    at = dt.datetime(2026, 3, 1, 7, 30, tzinfo=dt.UTC)
    client[f"{settings.namespace}_tasks"].tasks.insert_many(
        [{"_id": f"t{n}", "tenant": "binh-lu", "at": at, "tags": ["a", n],
          "nested": {"n": n, "b": bson.Binary(bytes([n % 256]))}} for n in range(1200)])
    client[f"{settings.namespace}_tasks"].tasks.create_index([("tenant", 1), ("at", -1)],
                                                             name="by_tenant")
    client[f"{settings.namespace}_kpi"].sheets.insert_one({"_id": "s", "tenant": "binh-lu"})
    client.close()
    before = contents(settings)

    done = commune(settings, "backup", "dump", str(tmp_path / "dump"))
    assert done.returncode == 0, done.stderr
    assert "1201 documents of 2 databases" in done.stdout
    assert (tmp_path / "dump" / f"{settings.namespace}_tasks" / "tasks.bson").is_file()
    refused = commune(settings, "backup", "restore", str(tmp_path / "dump"))
    assert refused.returncode == 2 and "exists" in refused.stderr

    remove_namespace(settings)
    done = commune(settings, "backup", "restore", str(tmp_path / "dump"))
    assert done.returncode == 0, done.stderr
    assert contents(settings) == before
    client = make_client(settings)
    try:
        indexes = client[f"{settings.namespace}_tasks"].tasks.index_information()
    finally:
        client.close()
    assert indexes["by_tenant"]["key"] == [("tenant", 1), ("at", -1)]
    again = commune(settings, "backup", "dump", str(tmp_path / "dump"))
    assert again.returncode == 2 and "not empty" in again.stderr
