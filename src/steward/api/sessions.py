"""The explorer's log-in sessions: server-side, in the server's memory.

``POST /api/v1/session`` with a token opens one: the browser gets a random session id in an
HttpOnly, SameSite=Strict cookie and a CSRF token in the answer's body (the UI keeps it in memory
and sends it as ``X-CSRF-Token`` on every change it makes). The server keeps only the SHA-256 of
the session id, the id of the token it was opened with and the CSRF token. Each request made with
the cookie re-reads that token's record, so a session dies when its token is revoked or expires;
a session also ends after ``max_age_s``, on log-out, and when the server restarts.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

__all__ = ["COOKIE", "CSRF_HEADER", "Session", "Sessions"]

COOKIE = "steward_session"
CSRF_HEADER = "x-csrf-token"


@dataclass(frozen=True, slots=True)
class Session:
    token_id: str
    csrf: str
    #: Wall-clock end, seconds since the epoch.
    ends_at: float


def _key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8", "surrogatepass")).hexdigest()


class Sessions:
    """Open sessions, the oldest dropped first beyond ``max_sessions``."""

    def __init__(self, *, max_age_s: float = 12 * 3600, max_sessions: int = 10_000) -> None:
        self.max_age_s = max_age_s
        self._max = max_sessions
        self._open: OrderedDict[str, Session] = OrderedDict()

    def open(self, token_id: str, token_expires_at: str | None) -> tuple[str, Session]:
        """A new session for a token: ``(session id for the cookie, session)``."""
        ends = time.time() + self.max_age_s
        if token_expires_at:
            with contextlib.suppress(ValueError):
                ends = min(ends, datetime.fromisoformat(token_expires_at.replace("Z", "+00:00")).timestamp())
        session_id = secrets.token_urlsafe(32)
        session = Session(token_id=token_id, csrf=secrets.token_urlsafe(32), ends_at=ends)
        self._open[_key(session_id)] = session
        while len(self._open) > self._max:
            self._open.popitem(last=False)
        return session_id, session

    def get(self, session_id: str | None) -> Session | None:
        if not session_id or len(session_id) > 256:
            return None
        key = _key(session_id)
        session = self._open.get(key)
        if session is not None and session.ends_at <= time.time():
            del self._open[key]
            return None
        return session

    def close(self, session_id: str | None) -> None:
        if session_id:
            self._open.pop(_key(session_id), None)

    def drop_token(self, token_id: str) -> None:
        """Forget every session opened with this token (it was found revoked or expired)."""
        for key in [k for k, s in self._open.items() if s.token_id == token_id]:
            del self._open[key]

    def seconds_left(self, session: Session) -> int:
        return max(0, int(session.ends_at - time.time()))
