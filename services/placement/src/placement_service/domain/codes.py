"""One-time codes (login, signatures) and unit API tokens: only hashes are ever stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from fanxiang_common.errors import AppError, Unauthorized

CODE_TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5
RESEND_AFTER = timedelta(seconds=60)
API_TOKEN_PREFIX = "fxu_"


class TooManyRequests(AppError):
    status_code = 429
    code = "too_many_requests"


def new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def hash_code(pepper: str, subject: str, purpose: str, code: str) -> str:
    """HMAC with a pepper kept out of the database: a six-digit code's plain hash could be
    reversed by trying all million codes, a keyed one cannot without the key."""
    message = f"{purpose}:{subject}:{code}".encode()
    return hmac.new(pepper.encode(), message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class StoredCode:
    code_hash: str
    expires_at: datetime
    attempts: int
    used: bool


def check_code(stored: StoredCode | None, candidate_hash: str, now: datetime) -> None:
    """Raise 401 unless ``candidate_hash`` matches a live, unused code with attempts left.
    The caller counts the attempt (and marks the code used on success) in the same
    transaction."""
    if stored is None or stored.used:
        raise Unauthorized("request a new code first", loc=("body", "code"), code="code_missing")
    if now >= stored.expires_at:
        raise Unauthorized(
            "the code has expired; request a new one", loc=("body", "code"), code="code_expired"
        )
    if stored.attempts >= MAX_ATTEMPTS:
        raise TooManyRequests("too many wrong codes; request a new one", loc=("body", "code"))
    if not hmac.compare_digest(stored.code_hash, candidate_hash):
        raise Unauthorized("the code is wrong", loc=("body", "code"), code="code_wrong")


def may_resend(last_sent: datetime | None, now: datetime) -> None:
    if last_sent is not None and now - last_sent < RESEND_AFTER:
        wait = int((RESEND_AFTER - (now - last_sent)).total_seconds()) + 1
        raise TooManyRequests(f"a code was just sent; wait {wait} s", loc=("body", "phone"))


def new_api_token() -> str:
    return API_TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_api_token(token: str) -> str:
    """API tokens carry 256 random bits, so a plain sha256 is enough to store them."""
    return hashlib.sha256(token.encode()).hexdigest()
