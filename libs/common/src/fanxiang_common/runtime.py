"""A service's connections and background work: PostgreSQL pool, Kafka broker and producer,
migrations, the outbox relay and the consumers. `fanxiang_common.app` wires it into FastAPI.

Kafka may be down when a service starts: HTTP still starts and accepts writes (they wait in the
outbox), and Kafka is connected in the background as soon as it answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import Awaitable, Sequence
from pathlib import Path
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from faststream.kafka import KafkaBroker

from fanxiang_common import access
from fanxiang_common.auth import Principal, VerifiedTokens
from fanxiang_common.db.migrate import migrate_service
from fanxiang_common.db.outbox import OutboxRelay
from fanxiang_common.db.pool import create_pool
from fanxiang_common.kafka.consumer import EventConsumer
from fanxiang_common.kafka.producer import start_producer
from fanxiang_common.settings import ServiceSettings

log = logging.getLogger(__name__)


class ServiceRuntime:
    def __init__(
        self,
        settings: ServiceSettings,
        *,
        migrations: Path | None = None,
        consumers: Sequence[EventConsumer] = (),
        relay: bool = True,
        checks_access: bool = True,
    ) -> None:
        self.settings = settings
        self.migrations = migrations
        self.consumers = list(consumers)
        # Tokens placement stopped early are refused here too (placement itself, which holds
        # the truth, passes False).
        self.checks_access = checks_access
        self.verified_tokens = VerifiedTokens()  # signatures only; revocation per request
        if checks_access:
            self.consumers.append(access.access_consumer(settings.service))
        self.broker = KafkaBroker(
            settings.kafka_bootstrap_servers,
            client_id=f"fanxiang-{settings.service}",
            graceful_timeout=15.0,
            # Services publish through the outbox; should anything use broker.publish, it gets
            # the same guarantees as the relay's producer.
            enable_idempotence=True,
            acks="all",
        )
        for consumer in self.consumers:
            consumer.register(
                self.broker,
                self,
                topic_name=settings.topic,
                session_timeout_ms=settings.kafka_session_timeout_ms,
            )
        self.relay = (
            OutboxRelay(
                settings.database_url,
                self._new_relay_producer,
                topic_name=settings.topic,
                batch_size=settings.outbox_batch_size,
                poll_interval_s=settings.outbox_poll_interval_s,
            )
            if relay
            else None
        )
        self._pool: asyncpg.Pool | None = None
        self._producer: AIOKafkaProducer | None = None
        self._producer_lock = asyncio.Lock()
        self._tasks: list[asyncio.Task[None]] = []
        self.kafka_connected = asyncio.Event()

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("the service runtime has not started")
        return self._pool

    async def refuse_if_revoked(self, principal: Principal) -> None:
        """401 if placement signed this token out, disabled its account or revoked its API
        token (`fanxiang_common.access`); `auth.current_principal` calls it per request."""
        if self.checks_access:
            async with self.pool.acquire() as conn:
                await access.refuse_if_revoked(conn, principal)

    async def producer(self) -> AIOKafkaProducer:
        """The shared producer (dead letters, direct publishes); started on first use."""
        async with self._producer_lock:
            if self._producer is None:
                self._producer = await start_producer(
                    self.settings.kafka_bootstrap_servers,
                    client_id=f"fanxiang-{self.settings.service}",
                )
            return self._producer

    async def _new_relay_producer(self) -> AIOKafkaProducer:
        return await start_producer(
            self.settings.kafka_bootstrap_servers,
            client_id=f"fanxiang-{self.settings.service}-outbox",
        )

    async def migrate(self) -> list[str]:
        return await migrate_service(self.settings, self.migrations)

    async def start(self) -> None:
        if self.settings.migrate_on_start:
            await self.migrate()
        self._pool = await create_pool(self.settings.database_url)
        if self.relay is not None:
            self._tasks.append(asyncio.create_task(self.relay.run(), name="outbox-relay"))
        self._tasks.append(asyncio.create_task(self._connect_kafka(), name="kafka-connect"))
        if self.settings.gc_freeze:
            gc.collect()
            gc.freeze()

    async def _connect_kafka(self) -> None:
        delay = 0.5
        while True:
            try:
                await self.broker.start()
                self.kafka_connected.set()
                log.info("connected to Kafka", extra={"consumers": len(self.consumers)})
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("Kafka not reachable yet; retrying", extra={"error": str(exc)})
                with contextlib.suppress(Exception):
                    await self.broker.stop()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)

    async def stop(self) -> None:
        # Every step is bounded by waiting, not by wait_for: a task caught inside aiokafka's
        # start-up or a group rebalance may take long to honour a cancellation, and shutdown
        # must not hang on it. The process is ending; uncommitted offsets are simply re-read.
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=10)
        self._tasks.clear()
        await _bounded(self.broker.stop(), seconds=30)
        if self._producer is not None:
            await _bounded(self._producer.stop(), seconds=10)
            self._producer = None
        if self._pool is not None:
            await _bounded(self._pool.close(), seconds=10)
            self._pool = None

    async def readiness(self) -> dict[str, dict[str, Any]]:
        return {"database": await self._check_database(), "kafka": await self._check_kafka()}

    async def _check_database(self) -> dict[str, Any]:
        try:
            async with asyncio.timeout(2):
                async with self.pool.acquire() as conn:
                    await conn.fetchval("SELECT 1")
                    backlog = await conn.fetchval("SELECT count(*) FROM outbox")
            return {"ok": True, "outbox_backlog": backlog}
        except Exception as exc:
            return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}

    async def _check_kafka(self) -> dict[str, Any]:
        if not self.kafka_connected.is_set():
            return {"ok": False, "error": "not connected yet"}
        try:
            async with asyncio.timeout(2):
                producer = await self.producer()
                await producer.client.fetch_all_metadata()
            relay_error = self.relay.last_error if self.relay else None
            return {"ok": relay_error is None, **({"error": relay_error} if relay_error else {})}
        except Exception as exc:
            return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}


async def _bounded(step: Awaitable[Any], *, seconds: float) -> None:
    """Run a shutdown step for at most ``seconds``; errors are logged, never raised."""
    task = asyncio.ensure_future(step)
    done, _ = await asyncio.wait([task], timeout=seconds)
    if not done:
        task.cancel()
        log.warning("a shutdown step did not finish in time", extra={"seconds": seconds})
    elif task.exception() is not None:
        log.warning("a shutdown step failed", extra={"error": repr(task.exception())})
