"""A commune's reviews and edits of the Hmong and Thái wording, stored over the files
shipped in data/wording/: collection `wording`, one document per entry reviewed or edited
(_id: tenant, language, kind and key), holding the entry as it now stands. Its revision
counts the edits (0: the shipped text); a write names the revision its author saw and is
refused when the entry has moved on since, so that no one's edit is lost unseen."""
from collections.abc import Iterator, Mapping

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from services.common.errors import FailedPrecondition
from services.common.mongo import TenantCollection

from .wording import SENTENCES, Entry, Kind, Term, Wording


class WordingStore:
    def __init__(self, db: Database):
        self.collection = db.wording

    def _of(self, tenant: str) -> TenantCollection:
        return TenantCollection(self.collection, tenant)

    def stored(self, tenant: str, language: str) -> list[dict]:
        return list(self._of(tenant).find({"language": language}, {"_id": 0, "tenant": 0}))

    def save(self, tenant: str, language: str, kind: Kind, key: str, seen: int,
             entry: Entry) -> None:
        """Store `entry` (a Term, with its Vietnamese, for a term) over the entry at
        revision `seen`; FailedPrecondition when it is at another revision now."""
        document = {"language": language, "kind": kind, "key": key, **entry.model_dump()}
        entry_id = f"{tenant}|{language}|{kind}|{key}"
        if self._of(tenant).update_one({"_id": entry_id, "revision": seen},
                                       {"$set": document}).matched_count:
            return
        if seen == 0:  # nothing stored yet: the first write over the shipped entry
            try:
                self._of(tenant).insert_one({"_id": entry_id, **document})
                return
            except DuplicateKeyError:
                pass
        raise FailedPrecondition(f"{kind} {key!r} is no longer at revision {seen}: someone "
                                 "changed it meanwhile; list it again and redo the change")


class CommuneWordings(Mapping):
    """The shipped wordings with one commune's stored reviews and edits, read when an
    answer is worded in a language (never for Vietnamese, which has none)."""

    def __init__(self, shipped: Mapping[str, Wording], store: WordingStore, tenant: str):
        self.shipped = shipped
        self.store = store
        self.tenant = tenant

    def __getitem__(self, language: str) -> Wording:
        wording = self.shipped[language]
        if not wording.translated:
            return wording
        for stored in self.store.stored(self.tenant, language):
            kind, key = stored.pop("kind"), stored.pop("key")
            del stored["language"]
            if kind == "term":  # a term the file lacked is added
                wording = wording.revised(kind, key, Term.model_validate(stored))
            elif key in SENTENCES:
                wording = wording.revised(kind, key, Entry.model_validate(stored))
        return wording

    def __iter__(self) -> Iterator[str]:
        return iter(self.shipped)

    def __len__(self) -> int:
        return len(self.shipped)
