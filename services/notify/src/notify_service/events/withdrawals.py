"""Reminders for appointments that no longer hold: when a student cancels a booked interview
slot (placement.application.interview-cancelled.v1), the reminder scheduled for it is hidden
from their inbox and its pending deliveries are cancelled (with a step in the trail). The
notice that announced the interview was already shown and stays, as a record."""

from __future__ import annotations

import asyncpg

from fanxiang_common.events import Envelope
from fanxiang_common.events.placement import InterviewCancelledV1
from fanxiang_common.events.topics import APPLICATIONS
from fanxiang_common.kafka.consumer import EventConsumer
from notify_service.db import notifications
from notify_service.domain.recipients import Audience, resolve
from notify_service.events.notifications import PurposeConsumer


async def withdraw_interview_reminder(conn: asyncpg.Connection, envelope: Envelope) -> None:
    """An interview cancelled → its scheduled reminder withdrawn."""
    event = envelope.payload() if envelope.known else None
    if not isinstance(event, InterviewCancelledV1):
        return
    await notifications.withdraw_scheduled(
        conn,
        recipient=resolve(Audience.STUDENT, event.student_id).key,
        purpose="interview-reminder",
        post_id=event.post_id,
        at=event.at,
        why="the interview was cancelled",
    )


def consumers() -> list[EventConsumer]:
    return [
        PurposeConsumer(
            group="notify.interview-reminder-withdrawn",
            topic=APPLICATIONS.name,
            handler=withdraw_interview_reminder,
            types=frozenset({InterviewCancelledV1.type}),
        )
    ]
