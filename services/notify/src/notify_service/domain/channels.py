"""Channels, and how hard each one is retried.

The inbox is notify's own table and cannot fail on its own. Email, SMS and WeChat talk to a
server that may be down, slow or refusing: each has an exponential backoff schedule and a last
try, after which the delivery is dead-lettered for the coordinator to see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum


class Channel(StrEnum):
    INBOX = "inbox"
    EMAIL = "email"
    SMS = "sms"
    WECHAT = "wechat"


EXTERNAL = frozenset({Channel.EMAIL, Channel.SMS, Channel.WECHAT})


@dataclass(frozen=True)
class Backoff:
    """Attempt n (1-based) that failed waits ``first * factor**(n-1)``, capped, ±jitter."""

    max_attempts: int
    first: timedelta
    factor: float = 3.0
    cap: timedelta = timedelta(hours=1)
    jitter: float = 0.2

    def delay(self, failed_attempts: int, *, rand: float = 0.5, scale: float = 1.0) -> timedelta:
        """The wait after ``failed_attempts`` failures; ``rand`` in [0, 1) spreads retries so a
        provider coming back is not hit by every queued message at once."""
        base = min(
            self.first.total_seconds() * self.factor ** max(failed_attempts - 1, 0),
            self.cap.total_seconds(),
        )
        spread = 1 + self.jitter * (2 * rand - 1)
        return timedelta(seconds=base * spread * scale)

    def exhausted(self, attempts: int) -> bool:
        return attempts >= self.max_attempts

    def schedule(self, *, scale: float = 1.0) -> list[timedelta]:
        """The nominal waits between tries (documentation and tests)."""
        return [self.delay(n, scale=scale) for n in range(1, self.max_attempts)]


BACKOFF: dict[Channel, Backoff] = {
    Channel.INBOX: Backoff(max_attempts=1, first=timedelta(0)),
    # 30 s, 1.5 min, 4.5 min, 13.5 min, 40 min: mail servers are often down for minutes.
    Channel.EMAIL: Backoff(max_attempts=6, first=timedelta(seconds=30)),
    # 15 s, 1 min, 4 min: an SMS that is hours late (a code, an interview) is worthless.
    Channel.SMS: Backoff(max_attempts=4, first=timedelta(seconds=15), factor=4.0),
    Channel.WECHAT: Backoff(max_attempts=4, first=timedelta(seconds=15), factor=4.0),
}
