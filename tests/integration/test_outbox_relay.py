"""The outbox relay: order per aggregate, one leader among replicas, nothing lost."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from fanxiang_common.db.migrate import COMMON_MIGRATIONS, migrate
from fanxiang_common.db.outbox import OutboxRelay, add_event, add_events, outbox_ctes
from fanxiang_common.db.pool import connect, create_pool, ensure_database
from fanxiang_common.events import Envelope
from fanxiang_common.events.placement import PostCapacityChangedV1
from fanxiang_common.kafka.producer import start_producer
from fanxiang_local.testing import SettingsFactory, eventually
from placement_service.settings import PlacementSettings

pytestmark = pytest.mark.integration


@pytest_asyncio.fixture
async def settings(service_settings: SettingsFactory) -> AsyncIterator[PlacementSettings]:
    settings = service_settings(PlacementSettings)
    await ensure_database(settings.database_url)
    await migrate(settings.database_url, [("common", COMMON_MIGRATIONS)])
    yield settings


async def test_two_relays_share_one_database_and_keep_each_posts_order(
    settings: PlacementSettings,
) -> None:
    pool = await create_pool(settings.database_url)
    try:
        async with pool.acquire() as conn:
            for i in range(300):
                async with conn.transaction():
                    post = f"P-{i % 7}"
                    await add_event(
                        conn,
                        PostCapacityChangedV1(post_id=post, capacity=i + 1, previous_capacity=i),
                        source="/test",
                    )

        async def producer() -> AIOKafkaProducer:
            return await start_producer(settings.kafka_bootstrap_servers, client_id="relay-test")

        relays = [
            OutboxRelay(
                settings.database_url,
                producer,
                topic_name=settings.topic,
                batch_size=50,
                poll_interval_s=0.1,
            )
            for _ in range(2)
        ]
        tasks = [asyncio.create_task(r.run()) for r in relays]
        try:
            await eventually(lambda: _empty(settings.database_url), what="the outbox drained")
            assert sorted(r.relayed for r in relays) == [0, 300], "exactly one relay leads"
        finally:
            for t in tasks:
                t.cancel()
            for t in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await t
    finally:
        await pool.close()

    consumer = AIOKafkaConsumer(
        settings.topic("placement.posts.v1"),
        bootstrap_servers=settings.kafka_bootstrap_servers,
        auto_offset_reset="earliest",
        group_id=None,
    )
    await consumer.start()
    received: list[Envelope] = []
    try:
        while len(received) < 300:
            batch = await consumer.getmany(timeout_ms=5000)
            assert batch, f"only {len(received)} of 300 events arrived"
            received += [Envelope.from_bytes(r.value) for rs in batch.values() for r in rs]
    finally:
        await consumer.stop()
    by_post: dict[str, list[int]] = {}
    for envelope in received:
        by_post.setdefault(envelope.subject, []).append(envelope.sequence)
    assert len({e.id for e in received}) == 300
    for post, sequences in by_post.items():
        assert sequences == sorted(sequences) == list(range(1, len(sequences) + 1)), post


async def test_add_event_refuses_to_run_outside_a_transaction(settings: PlacementSettings) -> None:
    conn = await connect(settings.database_url)
    try:
        with pytest.raises(RuntimeError, match="inside the business transaction"):
            await add_event(
                conn,
                PostCapacityChangedV1(post_id="P", capacity=1, previous_capacity=0),
                source="/t",
            )
    finally:
        await conn.close()


async def test_many_events_at_once_keep_each_aggregates_sequence_and_the_list_order(
    settings: PlacementSettings,
) -> None:
    def change(post: str, capacity: int) -> PostCapacityChangedV1:
        return PostCapacityChangedV1(post_id=post, capacity=capacity, previous_capacity=0)

    conn = await connect(settings.database_url)
    try:
        async with conn.transaction():
            first = await add_event(conn, change("P1", 1), source="/t")
        async with conn.transaction():
            batch = await add_events(
                conn,
                [change("P2", 1), change("P1", 2), change("P2", 2), change("P1", 3)],
                source="/t",
            )
            assert await add_events(conn, [], source="/t") == []
        rows = await conn.fetch("SELECT event_id, key FROM outbox ORDER BY position")
    finally:
        await conn.close()
    assert first.sequence == 1
    assert [(e.subject, e.sequence) for e in batch] == [("P2", 1), ("P1", 2), ("P2", 2), ("P1", 3)]
    assert [r["event_id"] for r in rows] == [first.id, *(e.id for e in batch)]


async def test_events_stored_by_the_callers_own_statement_as_add_events_stores_them(
    settings: PlacementSettings,
) -> None:
    def change(post: str, capacity: int) -> PostCapacityChangedV1:
        return PostCapacityChangedV1(post_id=post, capacity=capacity, previous_capacity=0)

    events = [change("P2", 1), change("P1", 2), change("P2", 2), change("P1", 3)]
    conn = await connect(settings.database_url)
    listener = await connect(settings.database_url)
    woken = asyncio.Event()
    await listener.add_listener("outbox", lambda *_: woken.set())
    try:
        await conn.execute("CREATE TABLE thing (id text PRIMARY KEY)")
        async with conn.transaction():
            first = await add_event(conn, change("P1", 1), source="/t")
        await asyncio.wait_for(woken.wait(), 5)
        woken.clear()

        async def store(thing: str) -> int:
            """A thing and the events in one statement (no transaction), gated on the thing."""
            ctes = outbox_ctes(events, source="/t", first=2, gate="made")
            made = await conn.fetchval(
                "WITH made AS (INSERT INTO thing VALUES ($1) ON CONFLICT DO NOTHING"
                f" RETURNING id), {ctes.sql} SELECT count(*) FROM made",
                thing,
                *ctes.args,
            )
            return int(made)

        assert await store("x") == 1
        await asyncio.wait_for(woken.wait(), 5)
        woken.clear()
        assert await store("x") == 0  # the gate returned no row: no event either
        rows = await conn.fetch("SELECT event_id, key, payload FROM outbox ORDER BY position")
        await asyncio.sleep(0.3)
        assert not woken.is_set()
    finally:
        await conn.close()
        await listener.close()
    stored = [Envelope.from_bytes(r["payload"]) for r in rows]
    assert [(e.subject, e.sequence) for e in stored] == [
        ("P1", 1),
        ("P2", 1),
        ("P1", 2),
        ("P2", 2),
        ("P1", 3),
    ]
    assert stored[0].id == first.id
    assert [e.payload() for e in stored[1:]] == events
    assert [r["event_id"] for r in rows] == [e.id for e in stored]
    assert all(r["payload"] == e.to_bytes() for r, e in zip(rows, stored, strict=True))


async def _empty(dsn: str) -> bool:
    conn = await connect(dsn)
    try:
        return bool(await conn.fetchval("SELECT count(*) = 0 FROM outbox"))
    finally:
        await conn.close()
