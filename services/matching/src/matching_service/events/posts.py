"""Keeps matching's read model of posts in step with placement.posts.v1."""

from __future__ import annotations

import asyncpg

from fanxiang_common.events import Envelope
from fanxiang_common.events.placement import PostCapacityChangedV1, PostPublishedV1, PostWithdrawnV1
from fanxiang_common.events.topics import POSTS
from fanxiang_common.kafka.consumer import EventConsumer
from matching_service.db import read_model


async def apply_post_event(conn: asyncpg.Connection, envelope: Envelope) -> None:
    """Placement's post events → matching's read model of posts."""
    event = envelope.payload()
    match event:
        case PostPublishedV1():
            await read_model.upsert_post(conn, event, envelope.sequence)
        case PostCapacityChangedV1():
            await read_model.set_capacity(conn, event.post_id, event.capacity, envelope.sequence)
        case PostWithdrawnV1():
            await read_model.close_post(conn, event.post_id, envelope.sequence)


def consumers() -> list[EventConsumer]:
    return [
        EventConsumer(group="matching.read-model-posts", topic=POSTS.name, handler=apply_post_event)
    ]
