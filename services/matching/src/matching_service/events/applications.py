"""Keeps matching's read model of applications in step with placement.applications.v1:
ranked choices (志愿), eligibility (属地), interview scores, refusals (不录用), withdrawals,
and students' answers to offers (accepted, declined, expired: seats a supplementary round
may fill again)."""

from __future__ import annotations

import asyncpg

from fanxiang_common.events import Envelope
from fanxiang_common.events.placement import (
    ApplicantRefusedV1,
    ApplicationChangedV1,
    ApplicationSubmittedV1,
    ApplicationWithdrawnV1,
    EligibilityDecidedV1,
    InterviewScoredV1,
    OfferAcceptedV1,
    OfferDeclinedV1,
    OfferExpiredV1,
)
from fanxiang_common.events.topics import APPLICATIONS
from fanxiang_common.kafka.consumer import EventConsumer
from matching_service.db import applications


async def apply_application_event(conn: asyncpg.Connection, envelope: Envelope) -> None:
    """Placement's application events → matching's read model; other types are ignored."""
    if not envelope.known:
        return
    event = envelope.payload()
    seq = envelope.sequence
    match event:
        case ApplicationSubmittedV1():
            await applications.upsert_application(conn, event, seq)
        case ApplicationChangedV1():
            await applications.set_choices(conn, event.application_id, event.choices, seq)
        case ApplicationWithdrawnV1():
            await applications.set_withdrawn(conn, event.application_id, seq)
        case EligibilityDecidedV1():
            await applications.set_eligible(conn, event.application_id, event.eligible, seq)
        case InterviewScoredV1():
            await applications.set_score(
                conn, event.application_id, event.post_id, event.overall, seq
            )
        case ApplicantRefusedV1():
            await applications.set_refused(conn, event.application_id, event.post_id, seq)
        case OfferAcceptedV1() | OfferDeclinedV1() | OfferExpiredV1():
            status = {
                OfferAcceptedV1: "accepted",
                OfferDeclinedV1: "declined",
                OfferExpiredV1: "expired",
            }[type(event)]
            await applications.set_answer(
                conn,
                application_id=event.application_id,
                post_id=event.post_id,
                student_id=event.student_id,
                round_id=event.round_id,
                status=status,
                sequence=seq,
            )


def consumers() -> list[EventConsumer]:
    return [
        EventConsumer(
            group="matching.read-model-applications",
            topic=APPLICATIONS.name,
            handler=apply_application_event,
        )
    ]
