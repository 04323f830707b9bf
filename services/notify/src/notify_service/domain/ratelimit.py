"""Rate limits per address and channel: nobody gets a flood of SMS, whatever the events say.

A limit is "at most N sends in any window of length W". A delivery over the limit is not
dropped: it waits until the window has room (`next_allowed`), which also spreads bursts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from notify_service.domain.channels import Channel


@dataclass(frozen=True)
class Limit:
    count: int
    window: timedelta


LIMITS: dict[Channel, tuple[Limit, ...]] = {
    Channel.INBOX: (),
    # Mainland SMS carriers and providers refuse more than this per number anyway.
    Channel.SMS: (Limit(5, timedelta(hours=1)), Limit(10, timedelta(days=1))),
    Channel.EMAIL: (Limit(20, timedelta(hours=1)),),
    Channel.WECHAT: (Limit(10, timedelta(hours=1)),),
}


def longest_window(limits: Sequence[Limit]) -> timedelta:
    return max((lim.window for lim in limits), default=timedelta(0))


def next_allowed(
    sent_at: Sequence[datetime], now: datetime, limits: Sequence[Limit]
) -> datetime | None:
    """None if a send is allowed now; else the moment the tightest limit allows the next one.

    ``sent_at``: the earlier sends to the same address on the same channel (any order).
    """
    wait_until: datetime | None = None
    for limit in limits:
        recent = sorted(t for t in sent_at if now - limit.window < t <= now)
        if len(recent) >= limit.count:
            # The window has room again once the send `count` places back has left it.
            free_at = recent[len(recent) - limit.count] + limit.window
            if wait_until is None or free_at > wait_until:
                wait_until = free_at
    return wait_until
