"""Signed-in sessions, kept server-side: the cookie holds only a random id; each session
has its CSRF token and the commune the user is looking at."""
import datetime as dt
import hmac
import secrets

from pymongo.database import Database

from services.common import clock


class SessionStore:
    def __init__(self, db: Database, hours: float):
        self.sessions = db["sessions"]
        self.ttl = dt.timedelta(hours=hours)

    def open(self, account: dict) -> dict:
        self.sessions.delete_many({"expires": {"$lte": clock.now()}})  # expired ones go
        session = {"_id": secrets.token_urlsafe(32), "user": account["_id"],
                   "csrf": secrets.token_urlsafe(24), "expires": clock.now() + self.ttl}
        self.sessions.insert_one(session)
        return session

    def get(self, session_id: str | None) -> dict | None:
        if not session_id:
            return None
        session = self.sessions.find_one({"_id": session_id})
        if session is None or session["expires"] <= clock.now():
            return None
        return session

    def close(self, session_id: str) -> None:
        self.sessions.delete_one({"_id": session_id})


def csrf_ok(session: dict, token: str | None) -> bool:
    return bool(token) and hmac.compare_digest(session["csrf"], token)
