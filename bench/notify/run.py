"""Notify: notifications per second from event to inbox, against a no-op consumer on the same
events in the same run.

    .venv/bin/python bench/notify/run.py [--events 20000]

N `placement.application.submitted.v1` events for N students wait on a 6-partition topic.
"notify" starts notify's runtime (all its consumer groups, worker off) and times until all N
`application-received` notifications are committed (inbox row + deliveries + the consumer's
inbox claim, one transaction per event). "no-op" is one `EventConsumer` whose handler does
nothing (envelope parsing, inbox claim, commit): the floor of the consuming pipeline.
Kafka and PostgreSQL: KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL if set, else throwaway local ones.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer

from fanxiang_common.db.pool import connect, drop_database
from fanxiang_common.events import new_event
from fanxiang_common.events.placement import ApplicationSubmittedV1
from fanxiang_common.kafka.admin import ensure_topics
from fanxiang_common.kafka.consumer import EventConsumer
from fanxiang_common.runtime import ServiceRuntime
from notify_service.app import NotifyRuntime
from notify_service.settings import NotifySettings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from infra import infrastructure

TOPIC = "placement.applications.v1"


async def fill(settings: NotifySettings, n: int) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers, linger_ms=20, max_batch_size=262144
    )
    await producer.start()
    try:
        futures = []
        for i in range(n):
            data = ApplicationSubmittedV1(
                application_id=f"APP-{i}", student_id=f"S-{i}", season_id="2026",
                home_county="140302", choices=["P-1", "P-2", "P-3"],
            )  # fmt: skip
            env = new_event(data, source="/bench", sequence=1)
            futures.append(
                await producer.send(
                    settings.topic(TOPIC), env.to_bytes(), key=data.aggregate_id.encode()
                )
            )
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def count(dsn: str, sql: str) -> int:
    conn = await connect(dsn)
    try:
        return int(await conn.fetchval(sql))
    finally:
        await conn.close()


async def timed(runtime: ServiceRuntime, dsn: str, sql: str, n: int) -> float:
    await runtime.start()
    try:
        start = time.perf_counter()
        for _ in range(100_000):  # polling the database is the measurement here
            if await count(dsn, sql) >= n:
                break
            await asyncio.sleep(0.05)
        return time.perf_counter() - start
    finally:
        await runtime.stop()


async def noop(conn: Any, envelope: Any) -> None:
    return None


async def main(n: int) -> None:
    with infrastructure() as (pg_url, bootstrap):
        namespace = f"bench{uuid.uuid4().hex[:8]}."
        await ensure_topics(bootstrap, namespace=namespace)
        base: dict[str, Any] = {
            "environment": "test", "database_server_url": pg_url,
            "kafka_bootstrap_servers": bootstrap, "kafka_namespace": namespace,
            "log_format": "text", "log_level": "WARNING", "run_worker": False,
        }  # fmt: skip
        notify_db = pg_url.rsplit("/", 1)[0] + f"/fx_bench_{namespace[5:-1]}_notify"
        noop_db = pg_url.rsplit("/", 1)[0] + f"/fx_bench_{namespace[5:-1]}_noop"
        settings = NotifySettings(**base, database_url=notify_db)
        await fill(settings, n)
        print(f"{n} events on {TOPIC}", flush=True)
        try:
            floor = ServiceRuntime(
                NotifySettings(**base, database_url=noop_db),
                consumers=[EventConsumer(group="bench.noop", topic=TOPIC, handler=noop)],
                relay=False,
            )
            t_noop = await timed(floor, noop_db, "SELECT count(*) FROM inbox", n)
            t_notify = await timed(
                NotifyRuntime(settings),
                notify_db,
                "SELECT count(*) FROM notification WHERE purpose = 'application-received'",
                n,
            )
        finally:
            for db in (notify_db, noop_db):
                await drop_database(db)
        print(f"no-op consumer (parse, inbox claim, commit): {n / t_noop:,.0f} events/s")
        print(f"notify, event → inbox notification:        {n / t_notify:,.0f} notifications/s")
        print(f"ratio: {t_noop / t_notify:.0%} of the no-op consumer")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000)
    asyncio.run(main(parser.parse_args().events))
