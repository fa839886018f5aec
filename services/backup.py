"""`commune backup dump|restore`: every database of the namespace to a directory and back,
over the MongoDB wire with pymongo (mongodump is often not installed beside FerretDB).

The directory has mongodump's layout: DIR/<database>/<collection>.bson (the documents,
BSON one after another) and <collection>.metadata.json (its indexes), so mongorestore
reads it too. A dump of a running platform holds everything committed before it began:
each collection is read to its end, and the services only insert or update (what a
later write changes may or may not be in it; replay and redelivery make up the rest).
Restore goes into databases that hold nothing yet, so that it never mixes two states."""
import json
from pathlib import Path

import bson
import pymongo

from services.common.mongo import make_client
from services.common.settings import Settings

BATCH = 500


class BackupError(Exception):
    pass


def _databases(client: pymongo.MongoClient, namespace: str) -> list[str]:
    return sorted(n for n in client.list_database_names() if n.startswith(f"{namespace}_"))


def dump(settings: Settings, directory: Path) -> dict[str, int]:
    """Write the namespace's databases under `directory`; returns documents per database."""
    if directory.exists() and any(directory.iterdir()):
        raise BackupError(f"{directory} is not empty")
    client = make_client(settings)
    counted = {}
    try:
        for name in _databases(client, settings.namespace):
            db, folder = client[name], directory / name
            folder.mkdir(parents=True)
            counted[name] = 0
            for collection in sorted(db.list_collection_names()):
                with open(folder / f"{collection}.bson", "wb") as out:
                    for document in db[collection].find().sort("_id", 1):
                        out.write(bson.encode(document))
                        counted[name] += 1
                indexes = [{"key": list(info["key"]), "name": index,
                            **({"unique": True} if info.get("unique") else {})}
                           for index, info in db[collection].index_information().items()
                           if index != "_id_"]
                (folder / f"{collection}.metadata.json").write_text(
                    json.dumps({"indexes": indexes}))
    finally:
        client.close()
    return counted


def restore(settings: Settings, directory: Path) -> dict[str, int]:
    """Load a dump into the namespace; returns documents per database."""
    folders = sorted(p for p in directory.iterdir() if p.is_dir()) if directory.is_dir() else []
    if not folders:
        raise BackupError(f"{directory} holds no dump (a folder per database)")
    client = make_client(settings)
    counted = {}
    try:
        present = set(_databases(client, settings.namespace))
        for folder in folders:
            if not folder.name.startswith(f"{settings.namespace}_"):
                raise BackupError(f"{folder.name} is not of namespace {settings.namespace!r}")
            if folder.name in present:
                raise BackupError(f"database {folder.name} exists: restore goes into an "
                                  "empty namespace")
        for folder in folders:
            db, counted[folder.name] = client[folder.name], 0
            for data in sorted(folder.glob("*.bson")):
                collection, batch = db[data.stem], []
                with open(data, "rb") as source:
                    for document in bson.decode_file_iter(source):
                        batch.append(document)
                        if len(batch) == BATCH:
                            collection.insert_many(batch, ordered=False)
                            counted[folder.name], batch = counted[folder.name] + BATCH, []
                if batch:
                    collection.insert_many(batch, ordered=False)
                    counted[folder.name] += len(batch)
                metadata = data.with_name(f"{data.stem}.metadata.json")
                for index in json.loads(metadata.read_text())["indexes"]:
                    collection.create_index([tuple(k) for k in index["key"]],
                                            name=index["name"],
                                            unique=index.get("unique", False))
    finally:
        client.close()
    return counted
