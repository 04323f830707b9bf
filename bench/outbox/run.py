"""Outbox relay throughput against the raw aiokafka producer, on the same broker, in one run.

    .venv/bin/python bench/outbox/run.py [--events 50000] [--repeat 3]

Both sides send the same serialized envelopes to a 6-partition topic with the same idempotent,
acks=all producer settings. "raw" is the time from the first send to the last acknowledgement.
"outbox" is the time from starting the relay over N committed outbox rows until the relay has
every row acknowledged by Kafka and deleted (the pipeline's real cost: SELECT … FOR UPDATE SKIP
LOCKED, send, wait for acks, DELETE). Target: outbox ≥ 30 % of raw.
Kafka and PostgreSQL: KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL if set, else throwaway local ones.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import time
import uuid
from pathlib import Path

from fanxiang_common.db.migrate import COMMON_MIGRATIONS, migrate
from fanxiang_common.db.outbox import OutboxRelay
from fanxiang_common.db.pool import connect, drop_database, ensure_database
from fanxiang_common.events import new_event
from fanxiang_common.events.placement import PostCapacityChangedV1
from fanxiang_common.kafka.admin import ensure_topics
from fanxiang_common.kafka.producer import start_producer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from infra import infrastructure


def envelopes(n: int) -> list[tuple[str, bytes, uuid.UUID]]:
    out = []
    for i in range(n):
        data = PostCapacityChangedV1(
            post_id=f"P-{i % 1000}", capacity=i % 50 + 1, previous_capacity=i % 50
        )
        env = new_event(data, source="/bench", sequence=i + 1)
        out.append((data.post_id, env.to_bytes(), env.id))
    return out


async def raw_producer(
    bootstrap: str, topic: str, events: list[tuple[str, bytes, uuid.UUID]]
) -> float:
    producer = await start_producer(bootstrap, client_id="bench-raw")
    try:
        start = time.perf_counter()
        futures = [await producer.send(topic, value=v, key=k.encode()) for k, v, _ in events]
        await asyncio.gather(*futures)
        return time.perf_counter() - start
    finally:
        await producer.stop()


async def fill_outbox(dsn: str, topic: str, events: list[tuple[str, bytes, uuid.UUID]]) -> None:
    conn = await connect(dsn)
    try:
        await conn.execute("TRUNCATE outbox")
        await conn.copy_records_to_table(
            "outbox",
            records=[
                (eid, topic, k, "placement.post.capacity-changed.v1", v) for k, v, eid in events
            ],
            columns=["event_id", "topic", "key", "event_type", "payload"],
        )
    finally:
        await conn.close()


async def relay(dsn: str, bootstrap: str, namespace: str, n: int) -> float:
    async def producer():  # type: ignore[no-untyped-def]
        return await start_producer(bootstrap, client_id="bench-outbox")

    outbox = OutboxRelay(
        dsn, producer, topic_name=lambda t: namespace + t, batch_size=1000, poll_interval_s=0.05
    )
    start = time.perf_counter()
    task = asyncio.create_task(outbox.run())
    try:
        while outbox.relayed < n:  # noqa: ASYNC110 - polling a counter is the measurement
            await asyncio.sleep(0.005)
        return time.perf_counter() - start
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def main(n: int, repeat: int) -> None:
    with infrastructure() as (pg_url, bootstrap):
        ns = f"bench{uuid.uuid4().hex[:6]}."
        await ensure_topics(bootstrap, namespace=ns)
        topic = f"{ns}placement.posts.v1"
        dsn = pg_url.rsplit("/", 1)[0] + f"/fx_bench_{uuid.uuid4().hex[:6]}"
        await ensure_database(dsn)
        await migrate(dsn, [("common", COMMON_MIGRATIONS)])
        events = envelopes(n)
        await raw_producer(bootstrap, topic, events[:2000])  # warm up the broker and the client
        raw_times, outbox_times = [], []
        for _ in range(repeat):
            raw_times.append(await raw_producer(bootstrap, topic, events))
            await fill_outbox(dsn, "placement.posts.v1", events)
            outbox_times.append(await relay(dsn, bootstrap, ns, n))
        await drop_database(dsn)
    raw = n / statistics.median(raw_times)
    box = n / statistics.median(outbox_times)
    print(
        f"outbox relay vs raw aiokafka producer, {n} events of {len(events[0][1])} B, median of {repeat}"
    )
    print(f"| {'pipeline':<28} | {'events/s':>10} |")
    print(f"| {'raw aiokafka producer':<28} | {raw:>10,.0f} |")
    print(f"| {'outbox relay (PG → Kafka)':<28} | {box:>10,.0f} |")
    print(f"ratio outbox/raw = {box / raw:.0%} (target ≥ 30 %)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.events, args.repeat))
