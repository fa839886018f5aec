"""The console's accounts and sessions on the real database: argon2 hashes, the lock
after five failures in a row (a right password too is refused then), an admin's reset,
what an account may be given, the demo accounts loaded once."""
import pytest

from services.common import errors
from services.console.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD, AccountStore, seed
from services.console.config import ConsoleSettings
from services.console.sessions import SessionStore, csrf_ok

pytestmark = pytest.mark.integration
PASSWORD = "mot-mat-khau-dai"


@pytest.fixture
def store(mongo, settings):
    db = mongo[f"{settings.namespace}_console"]
    db.drop_collection("accounts")
    return AccountStore(db, ConsoleSettings(max_failed_logins=5))


def test_the_password_is_stored_as_an_argon2_hash_and_checked(store):
    store.create("can.bo", "Cán bộ", "officer", "binh-lu", PASSWORD, "quantri")
    stored = store.get("can.bo")
    assert stored["hash"].startswith("$argon2id$") and PASSWORD not in str(stored)
    assert stored["communes"] == ["binh-lu"]
    assert store.authenticate("Can.Bo", PASSWORD)["_id"] == "can.bo"
    with pytest.raises(errors.Unauthenticated):
        store.authenticate("can.bo", "sai-mat-khau-roi")
    with pytest.raises(errors.Unauthenticated):
        store.authenticate("khong.co.ai", PASSWORD)


def test_five_failures_in_a_row_lock_the_account_until_an_admin_resets_it(store):
    store.create("can.bo", "Cán bộ", "officer", "binh-lu", PASSWORD, "quantri")
    for _ in range(4):
        with pytest.raises(errors.Unauthenticated):
            store.authenticate("can.bo", "sai-mat-khau-roi")
    store.authenticate("can.bo", PASSWORD)  # a success starts the count again
    for _ in range(4):
        with pytest.raises(errors.Unauthenticated):
            store.authenticate("can.bo", "sai-mat-khau-roi")
    with pytest.raises(errors.PermissionDenied, match="locked"):
        store.authenticate("can.bo", "sai-mat-khau-roi")
    with pytest.raises(errors.PermissionDenied, match="locked"):
        store.authenticate("can.bo", PASSWORD)
    store.reset_password("can.bo", "mat-khau-moi-cap", "quantri")
    assert store.authenticate("can.bo", "mat-khau-moi-cap")["_id"] == "can.bo"
    with pytest.raises(errors.NotFound):
        store.reset_password("khong.co.ai", "mat-khau-moi-cap", "quantri")


@pytest.mark.parametrize("username, role, scope, password, field", [
    ("a", "officer", "binh-lu", PASSWORD, "username"),
    ("can.bo", "citizen", "binh-lu", PASSWORD, "role"),
    ("can.bo", "officer", "lai-chau", PASSWORD, "scope"),  # a province: province users only
    ("can.bo", "officer", "binh-lu", "ngan", "password"),
])
def test_an_account_is_refused_naming_what_is_wrong(store, username, role, scope, password,
                                                    field):
    with pytest.raises(errors.InvalidArgument) as refused:
        store.create(username, "Tên", role, scope, password, "quantri")
    assert field in refused.value.fields
    with pytest.raises(errors.InvalidArgument, match="unknown commune or province"):
        store.create("can.bo", "Tên", "officer", "khong-co-xa", PASSWORD, "quantri")


def test_a_province_user_holds_the_provinces_communes(store):
    store.create("tinh", "Sở", "province", "lao-cai", PASSWORD, "quantri")
    assert store.get("tinh")["communes"] == ["lung-phinh"]
    assert [a["_id"] for a in store.list(["lao-cai"])] == ["tinh"]
    assert store.list(["lung-phinh"]) == [] and "hash" not in store.list(["lao-cai"])[0]
    with pytest.raises(errors.AlreadyExists):
        store.create("tinh", "Sở", "province", "lao-cai", PASSWORD, "quantri")


def test_the_demo_accounts_are_loaded_once(settings, mongo):
    mongo[f"{settings.namespace}_console"].drop_collection("accounts")
    assert seed(settings).startswith(f"{len(DEMO_ACCOUNTS)} new console accounts")
    assert seed(settings).startswith("0 new console accounts")
    store = AccountStore(mongo[f"{settings.namespace}_console"])
    assert store.authenticate("tinh.laichau", DEMO_PASSWORD)["communes"] == ["binh-lu"]


def test_a_session_carries_its_csrf_token_and_closes(settings, mongo):
    sessions = SessionStore(mongo[f"{settings.namespace}_console"], hours=1)
    session = sessions.open({"_id": "can.bo"})
    again = sessions.get(session["_id"])
    assert again["user"] == "can.bo" and csrf_ok(again, session["csrf"])
    assert not csrf_ok(again, "") and not csrf_ok(again, session["csrf"] + "x")
    sessions.close(session["_id"])
    assert sessions.get(session["_id"]) is None and sessions.get("") is None
