"""What becomes of each channel of a planned notification, and what a failed try leads to."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from notify_service.domain.channels import BACKOFF, Channel
from notify_service.domain.timing import QuietHours, earliest_send


class Status(StrEnum):
    QUEUED = "queued"  # waiting for its time (quiet hours, a reminder, a retry, a rate limit)
    SENDING = "sending"  # claimed by a worker; a lease that lapses puts it back in the queue
    SENT = "sent"  # the provider (SMTP server, SMS or WeChat API) accepted it
    DELIVERED = "delivered"  # in the inbox, or the provider confirmed it reached the person
    FAILED = "failed"  # a try failed; another follows (trail only)
    DEAD = "dead"  # the last try failed, or it can never succeed: the coordinator sees it
    SKIPPED = "skipped"  # not sent on purpose: opted out, no address, channel not configured
    CANCELLED = "cancelled"


FINAL = frozenset({Status.SENT, Status.DELIVERED, Status.DEAD, Status.SKIPPED, Status.CANCELLED})


@dataclass(frozen=True)
class Initial:
    channel: Channel
    status: Status
    due_at: datetime
    why: str | None = None


def initial(
    channel: Channel,
    *,
    visible_at: datetime,
    essential: bool,
    urgent: bool,
    opted_out: Collection[Channel],
    configured: Collection[Channel],
    quiet: QuietHours,
) -> Initial:
    """The first state of one channel's delivery."""
    if channel is not Channel.INBOX and channel not in configured:
        return Initial(channel, Status.SKIPPED, visible_at, "channel not configured")
    if not essential and channel in opted_out:
        return Initial(channel, Status.SKIPPED, visible_at, "opted out")
    due = earliest_send(channel, visible_at, urgent=urgent, quiet=quiet)
    why = "quiet hours" if due > visible_at else None
    return Initial(channel, Status.QUEUED, due, why)


@dataclass(frozen=True)
class AfterFailure:
    status: Status
    due_at: datetime | None


def after_failure(
    channel: Channel,
    attempts: int,
    now: datetime,
    *,
    permanent: bool,
    urgent: bool,
    expires_at: datetime | None,
    quiet: QuietHours,
    rand: float = 0.5,
    scale: float = 1.0,
) -> AfterFailure:
    """Retry later with backoff, or dead-letter: after the last try, on a permanent refusal,
    or when the next try would come after the message has expired (a code)."""
    policy = BACKOFF[channel]
    if permanent or policy.exhausted(attempts):
        return AfterFailure(Status.DEAD, None)
    due = now + policy.delay(attempts, rand=rand, scale=scale)
    due = earliest_send(channel, due, urgent=urgent, quiet=quiet)
    if expires_at is not None and due >= expires_at:
        return AfterFailure(Status.DEAD, None)
    return AfterFailure(Status.QUEUED, due)
