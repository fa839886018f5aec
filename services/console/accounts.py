"""The console's accounts: argon2 password hashes, a lock after repeated failures, the
scope (role and communes) each signs in with, and the demo accounts."""
import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pymongo import ReturnDocument
from pymongo.database import Database

from services.common import clock, errors
from services.common.mongo import database_name, make_client
from services.directory.tree import communes_of

from .config import ConsoleSettings, get_console_settings

ROLES = ("admin", "officer", "operator", "province")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,39}$")
MIN_PASSWORD = 10
DEMO_PASSWORD = "demo-commune-2026"
# (username, name, role, scope: a commune, or a province for its communes)
DEMO_ACCOUNTS = (
    ("canbo.binhlu", "Cán bộ Văn phòng UBND xã Bình Lư", "officer", "binh-lu"),
    ("vanhanh.binhlu", "Nhân viên vận hành IOC Bình Lư", "operator", "binh-lu"),
    ("quantri.binhlu", "Quản trị hệ thống xã Bình Lư", "admin", "binh-lu"),
    ("tinh.laichau", "Chuyên viên Sở Nội vụ tỉnh Lai Châu", "province", "lai-chau"),
)
_hasher = PasswordHasher()


class AccountStore:
    def __init__(self, db: Database, console: ConsoleSettings | None = None):
        self.accounts = db["accounts"]
        self.max_failed = (console or get_console_settings()).max_failed_logins

    def get(self, username: str) -> dict | None:
        return self.accounts.find_one({"_id": username})

    def list(self, scopes: list[str]) -> list[dict]:
        """The accounts of these communes or provinces, without their hashes."""
        return list(self.accounts.find({"scope": {"$in": scopes}}, {"hash": 0}).sort("_id", 1))

    def authenticate(self, username: str, password: str) -> dict:
        """The account, or Unauthenticated saying no more than needed (a wrong name and
        a wrong password read the same); the n-th failure in a row locks it."""
        account = self.get(username.strip().lower())
        refused = errors.Unauthenticated("wrong username or password")
        if account is None:
            _hasher.hash(password)  # the same work as a real check: no timing oracle
            raise refused
        if account.get("locked"):
            raise errors.PermissionDenied("account locked")
        try:
            _hasher.verify(account["hash"], password)
        except (VerificationError, InvalidHashError):
            failed = self.accounts.find_one_and_update(
                {"_id": account["_id"]}, {"$inc": {"failed": 1}},
                return_document=ReturnDocument.AFTER)["failed"]
            if failed >= self.max_failed:
                self.accounts.update_one({"_id": account["_id"]}, {"$set": {"locked": True}})
                raise errors.PermissionDenied("account locked") from None
            raise refused from None
        self.accounts.update_one({"_id": account["_id"]},
                                 {"$set": {"failed": 0, "lastLogin": clock.now()}})
        return account

    def create(self, username: str, name: str, role: str, scope: str, password: str,
               by: str) -> dict:
        account = _valid(username, name, role, scope, password)
        if self.get(account["_id"]):
            raise errors.AlreadyExists(f"account {account['_id']!r} exists")
        self.accounts.insert_one({**account, "createdBy": by, "createdAt": clock.now()})
        return account

    def reset_password(self, username: str, password: str, by: str) -> None:
        _check_password(password)
        done = self.accounts.update_one(
            {"_id": username},
            {"$set": {"hash": _hasher.hash(password), "failed": 0, "locked": False,
                      "resetBy": by, "resetAt": clock.now()}})
        if not done.matched_count:
            raise errors.NotFound(f"no account {username!r}")


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise errors.InvalidArgument(f"password: at least {MIN_PASSWORD} characters",
                                     {"password": "too short"})


def _valid(username: str, name: str, role: str, scope: str, password: str) -> dict:
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise errors.InvalidArgument("username: 3-40 of a-z 0-9 . _ -", {"username": "invalid"})
    if not name.strip() or len(name) > 100:
        raise errors.InvalidArgument("name: 1-100 characters", {"name": "invalid"})
    if role not in ROLES:
        raise errors.InvalidArgument(f"role: one of {', '.join(ROLES)}", {"role": "invalid"})
    _check_password(password)
    communes = communes_of([scope])  # InvalidArgument naming the known codes
    if role != "province" and communes != [scope]:
        raise errors.InvalidArgument("scope: a commune (only a province user holds a "
                                     "province)", {"scope": "invalid"})
    return {"_id": username, "name": name.strip(), "role": role, "scope": scope,
            "communes": communes, "hash": _hasher.hash(password), "failed": 0,
            "locked": False}


def console_db(settings):
    return make_client(settings)[database_name(settings, "console")]


def seed(settings) -> str:
    """The demo accounts (catalog.DEMO_SEEDS), password DEMO_PASSWORD; an existing
    account is left as it is (its password may have been changed)."""
    store = AccountStore(console_db(settings))
    made = 0
    for username, name, role, scope in DEMO_ACCOUNTS:
        if store.get(username) is None:
            store.create(username, name, role, scope, DEMO_PASSWORD, "demo-loader")
            made += 1
    return (f"{made} new console accounts ({', '.join(a[0] for a in DEMO_ACCOUNTS)}; "
            f"password {DEMO_PASSWORD})")
