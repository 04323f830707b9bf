"""Creating topics explicitly (never by auto-creation), each with its dead-letter topic."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from fanxiang_common.events.topics import TOPICS, Topic


async def ensure_topics(
    bootstrap_servers: str,
    *,
    namespace: str = "",
    topics: Iterable[Topic] = TOPICS,
    replication_factor: int = 1,
) -> list[str]:
    """Create missing topics and their ``.dlt``; returns the names created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="fanxiang-admin")
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [
            NewTopic(
                f"{namespace}{name}",
                num_partitions=t.partitions,
                replication_factor=replication_factor,
            )
            for t in topics
            for name in (t.name, t.dead_letter)
        ]
        missing = [t for t in wanted if t.name not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(missing)
        return [t.name for t in missing]
    finally:
        await admin.close()


async def list_topics(bootstrap_servers: str) -> list[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="fanxiang-admin")
    await admin.start()
    try:
        return sorted(await admin.list_topics())
    finally:
        await admin.close()
