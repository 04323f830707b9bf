"""Reminders for appointments that no longer hold: when a student cancels a booked interview
slot (placement.application.interview-cancelled.v1), or the interview for the same post is
scheduled again at another time (a unit rescheduling, a student moving their booking), the
reminder scheduled for the old time is hidden from their inbox and its pending deliveries are
cancelled (with a step in the trail). The notices that announced the interview were already
shown and stay, as a record."""

from __future__ import annotations

import asyncpg

from fanxiang_common.events import Envelope
from fanxiang_common.events.placement import InterviewCancelledV1, InterviewScheduledV1
from fanxiang_common.events.topics import APPLICATIONS
from fanxiang_common.kafka.consumer import EventConsumer
from notify_service.db import notifications
from notify_service.domain.recipients import Audience, resolve
from notify_service.events.notifications import PurposeConsumer


async def withdraw_interview_reminder(conn: asyncpg.Connection, envelope: Envelope) -> None:
    """An interview cancelled, or scheduled again at another time → the reminder for the time
    that no longer holds withdrawn."""
    event = envelope.payload() if envelope.known else None
    if isinstance(event, InterviewCancelledV1):
        why, other_times = "the interview was cancelled", False
    elif isinstance(event, InterviewScheduledV1):
        why, other_times = "the interview was moved", True
    else:
        return
    await notifications.withdraw_scheduled(
        conn,
        recipient=resolve(Audience.STUDENT, event.student_id).key,
        purpose="interview-reminder",
        post_id=event.post_id,
        at=event.at,
        why=why,
        other_times=other_times,
    )


def consumers() -> list[EventConsumer]:
    return [
        PurposeConsumer(
            group="notify.interview-reminder-withdrawn",
            topic=APPLICATIONS.name,
            handler=withdraw_interview_reminder,
            types=frozenset({InterviewCancelledV1.type, InterviewScheduledV1.type}),
        )
    ]
