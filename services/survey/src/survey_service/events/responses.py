"""Stores the online form's responses from survey.responses.v1, once each.

The response id is the fingerprint, so a redelivered event (or the same response also sent
over HTTP with that id) is stored once; the inbox makes the handler idempotent as well. A
response naming an unknown questionnaire or failing validation raises, so the consumer sends
it to the dead-letter topic after its retries: nothing is silently dropped.
"""

from __future__ import annotations

import asyncpg

from fanxiang_common.events import Envelope
from fanxiang_common.events.survey import ResponseSubmittedV1
from fanxiang_common.events.topics import RESPONSES
from fanxiang_common.kafka.consumer import EventConsumer
from survey_service.api.answers import validate_answers
from survey_service.db import codec, store


async def store_submitted_response(conn: asyncpg.Connection, envelope: Envelope) -> None:
    if not envelope.known:
        return
    event = envelope.payload()
    if not isinstance(event, ResponseSubmittedV1):
        return
    questionnaire = await store.get_questionnaire(conn, event.questionnaire_id)
    if questionnaire is None:
        raise ValueError(f"unknown questionnaire {event.questionnaire_id!r}")
    answers = validate_answers(questionnaire, event.answers)
    await store.insert_responses(
        conn,
        [
            (
                event.response_id,
                questionnaire.id,
                event.response_id,
                "kafka",
                codec.encode(answers),
                event.student_id,
                codec.county_of(answers, questionnaire),
                event.submitted_at,
                None,
                None,
            )
        ],
    )


def consumers() -> list[EventConsumer]:
    return [
        EventConsumer(
            group="survey.store-responses", topic=RESPONSES.name, handler=store_submitted_response
        )
    ]
