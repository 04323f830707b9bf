"""Consuming events at least once, with an effect exactly once.

`EventConsumer` registers a faststream subscriber (consumer group ``<service>.<purpose>``,
``earliest``, manual commit). For each message it parses the envelope, then in ONE database
transaction claims the event in the inbox and runs the handler, and only then commits the
Kafka offset. Outcomes:

- done, or already done (inbox): commit and move on;
- malformed message or a handler that keeps failing: publish the original bytes, headers and
  the error to ``<topic>.dlt``, commit, move on (the partition is never stuck on a poison message);
- the database is unreachable: wait and retry the same message (nothing is skipped).

Offsets are committed explicitly (processed offset + 1), at most every ``commit_interval_s``
and after a quiet spell, not after every message: a commit is a broker round trip, and a crash
only means re-reading a few already-handled events, which the inbox turns into no-ops.
"""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from fanxiang_common import logging as fx_logging
from fanxiang_common.db import inbox
from fanxiang_common.events.envelope import Envelope, InvalidEvent
from fanxiang_common.events.topics import dead_letter_topic

log = logging.getLogger(__name__)

Handler = Callable[[asyncpg.Connection, Envelope], Awaitable[None]]

TRANSIENT = (
    OSError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.AdminShutdownError,  # the server shut down under the handler's transaction
    asyncpg.CrashShutdownError,
)


class Resources(Protocol):
    """What a consumer needs at run time; the service runtime provides it once started."""

    @property
    def pool(self) -> asyncpg.Pool: ...

    async def producer(self) -> AIOKafkaProducer: ...


@dataclass
class ConsumerStats:
    processed: int = 0
    duplicates: int = 0
    skipped_unknown: int = 0
    dead_lettered: int = 0
    retries: int = 0
    last_error: str | None = None


@dataclass
class EventConsumer:
    group: str
    """The consumer group, ``<service>.<purpose>``; also the inbox's consumer name."""
    topic: str
    """The logical topic; the physical name comes from ``topic_name``."""
    handler: Handler
    max_attempts: int = 3
    commit_interval_s: float = 0.2
    stats: ConsumerStats = field(default_factory=ConsumerStats)
    _pending: dict[TopicPartition, int] = field(default_factory=dict, init=False, repr=False)
    _last_commit: float = field(default=0.0, init=False, repr=False)
    _flusher: asyncio.Task[None] | None = field(default=None, init=False, repr=False)

    def register(
        self,
        broker: KafkaBroker,
        resources: Resources,
        *,
        topic_name: Callable[[str], str] = lambda t: t,
        session_timeout_ms: int = 10_000,
    ) -> None:
        physical_topic = topic_name(self.topic)

        @broker.subscriber(
            physical_topic,
            group_id=topic_name(self.group),
            auto_offset_reset="earliest",
            ack_policy=AckPolicy.MANUAL,
            session_timeout_ms=session_timeout_ms,
            heartbeat_interval_ms=max(session_timeout_ms // 4, 250),
            title=f"{self.group}:{self.topic}",
            description=(self.handler.__doc__ or "").strip() or None,
        )
        async def consume(message: KafkaMessage) -> None:
            record: ConsumerRecord[bytes, bytes] = message.raw_message
            await self.process(record, resources, dlt_topic=dead_letter_topic(physical_topic))
            await self._done(message.consumer, record)

    async def _done(self, consumer: AIOKafkaConsumer, record: ConsumerRecord[bytes, bytes]) -> None:
        """Mark ``record`` handled; commit now, or soon if a commit just happened."""
        self._pending[TopicPartition(record.topic, record.partition)] = record.offset + 1
        if time.monotonic() - self._last_commit >= self.commit_interval_s:
            await self._commit(consumer)
        elif self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._commit_later(consumer))

    async def _commit_later(self, consumer: AIOKafkaConsumer) -> None:
        await asyncio.sleep(self.commit_interval_s)
        await self._commit(consumer)

    async def _commit(self, consumer: AIOKafkaConsumer) -> None:
        if not self._pending:
            return
        offsets, self._pending = self._pending, {}
        self._last_commit = time.monotonic()
        try:
            await consumer.commit(offsets)
        except (CommitFailedError, IllegalStateError, KafkaError) as exc:
            # The partitions moved to another member (rebalance) or the broker is away: the
            # next owner re-reads from the last commit, and the inbox makes that harmless.
            log.info("offset commit skipped", extra={"error": f"{type(exc).__name__}: {exc}"})

    async def process(
        self, record: ConsumerRecord[bytes, bytes], resources: Resources, *, dlt_topic: str
    ) -> None:
        try:
            envelope = Envelope.from_bytes(record.value)
        except InvalidEvent as exc:
            await self._dead_letter(record, exc, resources, dlt_topic, attempts=1)
            return
        if not envelope.known:
            self.stats.skipped_unknown += 1
            log.info(
                "skipped an event type this version does not know", extra={"type": envelope.type}
            )
            return
        token = fx_logging.event_id.set(str(envelope.id))
        try:
            await self._apply(record, envelope, resources, dlt_topic)
        finally:
            fx_logging.event_id.reset(token)

    async def _apply(
        self,
        record: ConsumerRecord[bytes, bytes],
        envelope: Envelope,
        resources: Resources,
        dlt_topic: str,
    ) -> None:
        failures = 0
        waits = 0
        while True:
            try:
                async with resources.pool.acquire() as conn, conn.transaction():
                    if await inbox.claim(conn, self.group, envelope.id, envelope.type):
                        await self.handler(conn, envelope)
                        self.stats.processed += 1
                    else:
                        self.stats.duplicates += 1
                return
            except asyncio.CancelledError:
                raise
            except TRANSIENT as exc:
                # The database is down: keep the message and wait; nothing may be skipped.
                waits += 1
                self.stats.retries += 1
                self.stats.last_error = f"{type(exc).__name__}: {exc}"
                if waits == 1:
                    log.warning(
                        "database unavailable; retrying the event",
                        extra={"error": self.stats.last_error},
                    )
                await asyncio.sleep(min(0.2 * 2**waits, 5.0))
            except Exception as exc:
                failures += 1
                self.stats.retries += 1
                if failures >= self.max_attempts:
                    await self._dead_letter(record, exc, resources, dlt_topic, attempts=failures)
                    return
                await asyncio.sleep(0.1 * 2**failures)

    async def _dead_letter(
        self,
        record: ConsumerRecord[bytes, bytes],
        exc: BaseException,
        resources: Resources,
        dlt_topic: str,
        *,
        attempts: int,
    ) -> None:
        error = f"{type(exc).__name__}: {exc}"
        headers = [
            *(record.headers or ()),
            ("x-original-topic", record.topic.encode()),
            ("x-original-partition", str(record.partition).encode()),
            ("x-original-offset", str(record.offset).encode()),
            ("x-consumer-group", self.group.encode()),
            ("x-error", error.encode()[:4000]),
            ("x-error-trace", "".join(traceback.format_exception(exc)).encode()[-8000:]),
            ("x-attempts", str(attempts).encode()),
            ("x-failed-at", datetime.now(UTC).isoformat().encode()),
        ]
        while True:  # the dead letter must be safe in Kafka before the offset moves on
            try:
                producer = await resources.producer()
                await producer.send_and_wait(
                    dlt_topic, value=record.value, key=record.key, headers=headers
                )
                break
            except asyncio.CancelledError:
                raise
            except Exception as send_exc:
                log.warning("dead-letter publish failed; retrying", extra={"error": str(send_exc)})
                await asyncio.sleep(1.0)
        self.stats.dead_lettered += 1
        self.stats.last_error = error
        log.error(
            "event dead-lettered",
            extra={
                "topic": record.topic,
                "offset": record.offset,
                "error": error,
                "dlt": dlt_topic,
            },
        )
