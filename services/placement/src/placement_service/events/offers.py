"""Matching's offers become placements awaiting the student's answer (onboarding)."""

from __future__ import annotations

import asyncpg

from fanxiang_common.events import Envelope
from fanxiang_common.events.matching import OfferMadeV1
from fanxiang_common.events.topics import ASSIGNMENTS
from fanxiang_common.kafka.consumer import EventConsumer
from placement_service.db import accounts, placements


class OfferWithoutApplication(ValueError):
    """An offer for a student with no live application in the post's season: no retry can
    fix it, so after the consumer's attempts it goes to the dead-letter topic for a person."""


async def record_offer(conn: asyncpg.Connection, envelope: Envelope) -> None:
    """matching.offer.made.v1 → a placement in state 'offered' (idempotent per round)."""
    event = envelope.payload()
    if not isinstance(event, OfferMadeV1):
        return
    target = await placements.offer_target(
        conn, event.student_id, event.post_id, event.application_id
    )
    if target is None:
        raise OfferWithoutApplication(
            f"offer of {event.post_id} to {event.student_id}: no live application"
        )
    await placements.insert_offer(
        conn,
        placement_id=accounts.new_id("PL"),
        application_id=target["application_id"],
        student_id=event.student_id,
        post_id=event.post_id,
        unit_id=target["unit_id"],
        season_id=target["season_id"],
        round_id=event.round_id,
        accept_by=event.accept_by,
    )


def consumers() -> list[EventConsumer]:
    return [EventConsumer(group="placement.offers", topic=ASSIGNMENTS.name, handler=record_offer)]
