"""Keeps notify's directory from placement's events: students' and units' contacts (with the
student's study city, for liaison broadcasts) and post titles."""

from __future__ import annotations

import asyncpg

from fanxiang_common.events import Envelope
from fanxiang_common.events.placement import (
    PostPublishedV1,
    PostReturnedV1,
    PostSubmittedV1,
    StudentProfileUpdatedV1,
    StudentRegisteredV1,
    UnitRegisteredV1,
)
from fanxiang_common.events.topics import POSTS, STUDENTS, UNITS
from fanxiang_common.kafka.consumer import EventConsumer
from notify_service.db import directory
from notify_service.domain.recipients import Audience, Recipient, normalise_city


async def apply_student(conn: asyncpg.Connection, envelope: Envelope) -> None:
    """Students' contacts and study city (registered, profile updated)."""
    if envelope.type not in (StudentRegisteredV1.type, StudentProfileUpdatedV1.type):
        return
    event = envelope.payload()
    assert isinstance(event, StudentRegisteredV1)
    await directory.upsert_contact(
        conn,
        Recipient(Audience.STUDENT, event.student_id).key,
        sequence=envelope.sequence,
        name=event.name,
        phone=event.phone,
        email=event.email,
        city=normalise_city(event.university_city),
    )


async def apply_unit(conn: asyncpg.Connection, envelope: Envelope) -> None:
    """Units' contact person, phone and email."""
    event = envelope.payload()
    if isinstance(event, UnitRegisteredV1):
        await directory.upsert_contact(
            conn,
            Recipient(Audience.UNIT, event.unit_id).key,
            sequence=envelope.sequence,
            name=event.contact_name or event.name,
            phone=event.contact_phone,
            email=event.contact_email,
        )


async def apply_post(conn: asyncpg.Connection, envelope: Envelope) -> None:
    """Post titles, for messages that name a post by id."""
    event = envelope.payload()
    if isinstance(event, PostSubmittedV1 | PostPublishedV1 | PostReturnedV1):
        await directory.upsert_post(
            conn, event.post_id, event.title, event.unit_id, envelope.sequence
        )


def consumers() -> list[EventConsumer]:
    return [
        EventConsumer(
            group="notify.directory-students", topic=STUDENTS.name, handler=apply_student
        ),
        EventConsumer(group="notify.directory-units", topic=UNITS.name, handler=apply_unit),
        EventConsumer(group="notify.directory-posts", topic=POSTS.name, handler=apply_post),
    ]
