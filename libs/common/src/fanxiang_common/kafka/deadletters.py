"""Seeing and replaying dead letters: the messages a consumer gave up on (`EventConsumer` puts
each on ``<topic>.dlt`` with the original bytes, key and headers plus ``x-*`` headers saying
which group failed, why and when).

Replaying sends the original bytes, key and headers back to the original topic, marked with
``x-replayed-from``. Every consumer group of that topic sees it again; that is safe because
every consumer applies an event once (inbox), so only the group that failed acts on it. A
message that still fails goes back to the dead-letter topic, with a new error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from fanxiang_common.events.topics import TOPICS

REPLAYED_FROM = "x-replayed-from"


@dataclass(frozen=True)
class DeadLetter:
    dlt_topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    original_topic: str
    consumer_group: str
    error: str
    attempts: int
    failed_at: str
    original_headers: tuple[tuple[str, bytes], ...] = field(default=())

    @property
    def address(self) -> str:
        """``<dlt topic>:<partition>:<offset>``, how the CLI names one dead letter."""
        return f"{self.dlt_topic}:{self.partition}:{self.offset}"


def _from_record(
    topic: str,
    partition: int,
    offset: int,
    key: bytes | None,
    value: bytes | None,
    headers: Sequence[tuple[str, bytes]],
) -> DeadLetter:
    marks = {k: v.decode("utf-8", "replace") for k, v in headers if k.startswith("x-")}
    return DeadLetter(
        dlt_topic=topic,
        partition=partition,
        offset=offset,
        key=key,
        value=value,
        original_topic=marks.get("x-original-topic", topic.removesuffix(".dlt")),
        consumer_group=marks.get("x-consumer-group", ""),
        error=marks.get("x-error", ""),
        attempts=int(marks.get("x-attempts", "0") or 0),
        failed_at=marks.get("x-failed-at", ""),
        original_headers=tuple((k, v) for k, v in headers if not k.startswith("x-")),
    )


async def _partitions(bootstrap_servers: str, topics: Iterable[str]) -> list[TopicPartition]:
    """The partitions of those of ``topics`` that exist."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="fanxiang-dlt")
    await admin.start()
    try:
        described = await admin.describe_topics(list(topics))
    finally:
        await admin.close()
    return [
        TopicPartition(t["topic"], p["partition"])
        for t in described
        if t["error_code"] == 0
        for p in sorted(t["partitions"], key=lambda p: p["partition"])
    ]


def dead_letter_topics(namespace: str = "") -> list[str]:
    return [f"{namespace}{t.dead_letter}" for t in TOPICS]


async def read_dead_letters(
    bootstrap_servers: str, topics: Iterable[str], *, timeout_s: float = 30.0
) -> list[DeadLetter]:
    """Every message now on these dead-letter topics, oldest first per partition (read without
    a consumer group, so reading changes nothing)."""
    partitions = await _partitions(bootstrap_servers, topics)
    if not partitions:
        return []
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers, enable_auto_commit=False, group_id=None
    )
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        letters: list[DeadLetter] = []
        remaining = {tp for tp in partitions if ends[tp] > 0}
        async with asyncio.timeout(timeout_s):
            while remaining:
                batches = await consumer.getmany(*remaining, timeout_ms=500)
                for tp, records in batches.items():
                    for r in records:
                        if r.offset < ends[tp]:
                            letters.append(
                                _from_record(
                                    r.topic,
                                    r.partition,
                                    r.offset,
                                    r.key,
                                    r.value,
                                    list(r.headers or ()),
                                )
                            )
                for tp in list(remaining):
                    if await consumer.position(tp) >= ends[tp]:
                        remaining.discard(tp)
        return letters
    finally:
        await consumer.stop()


async def replay(bootstrap_servers: str, letters: Iterable[DeadLetter]) -> int:
    """Send each dead letter back to its original topic; returns how many were sent."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers, acks="all")
    await producer.start()
    sent = 0
    try:
        for letter in letters:
            await producer.send_and_wait(
                letter.original_topic,
                value=letter.value,
                key=letter.key,
                headers=[*letter.original_headers, (REPLAYED_FROM, letter.address.encode())],
            )
            sent += 1
    finally:
        await producer.stop()
    return sent
