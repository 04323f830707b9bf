"""The walking skeleton over real Kafka and PostgreSQL: a placement write crosses Kafka into
matching's read model exactly once — also when Kafka is down at write time, when an event is
delivered twice, and when a poison message sits in front of it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from fanxiang_common.auth import Role
from fanxiang_common.events import new_event
from fanxiang_common.events.placement import PostPublishedV1
from fanxiang_common.kafka.admin import ensure_topics
from fanxiang_local.kafka import KafkaNode
from fanxiang_local.testing import (
    SettingsFactory,
    bearer,
    eventually,
    fetch_all,
    is_ready,
    outbox_empty,
    serve_in_process,
)
from matching_service.app import create_app as create_matching
from matching_service.settings import MatchingSettings
from placement_service.app import create_app as create_placement
from placement_service.settings import PlacementSettings

pytestmark = pytest.mark.integration

COORDINATOR = bearer(Role.COORDINATOR)
POST = {
    "unit_id": "U-001",
    "season_id": "2026-summer",
    "title": "团委办公室助理",
    "category": "政务实践",
    "county": "140302",
    "capacity": 2,
}


SEASON = {
    "season_id": "2026-summer",
    "name": "2026 summer",
    "posts_open": "2026-01-01T00:00:00Z",
    "posts_close": "2099-01-01T00:00:00Z",
    "applications_open": "2026-01-01T00:00:00Z",
    "applications_close": "2099-01-01T00:00:00Z",
    "interviews_open": "2026-01-01T00:00:00Z",
    "interviews_close": "2099-01-01T00:00:00Z",
    "on_post_start": "2026-07-01",
    "on_post_end": "2026-08-31",
}
UNIT = {
    "name": "城区团区委",
    "unit_type": "党政机关",
    "county": "140302",
    "contact_name": "王老师",
    "contact_phone": "13900000001",
}


async def prepare(client: Any) -> dict[str, Any]:
    """The season and the unit a post needs (placement's lifecycle); returns the post body."""
    season = await client.post("/v1/seasons", json=SEASON, headers=COORDINATOR)
    assert season.status_code == 201, season.text
    unit = await client.post("/v1/units", json=UNIT, headers=COORDINATOR)
    assert unit.status_code == 201, unit.text
    return {**POST, "unit_id": unit.json()["unit_id"]}


async def publish(client: Any, body: dict[str, Any], **headers: str) -> Any:
    """The approving committee (here the coordinator) publishes the post directly."""
    return await client.post(
        "/v1/posts", params={"publish": "true"}, json=body, headers={**COORDINATOR, **headers}
    )


async def test_a_published_post_reaches_matchings_read_model_once(
    service_settings: SettingsFactory,
) -> None:
    placement = service_settings(PlacementSettings)
    matching = service_settings(MatchingSettings)
    async with (
        serve_in_process(create_placement(placement)) as p,
        serve_in_process(create_matching(matching)),
    ):
        response = await publish(p, await prepare(p))
        assert response.status_code == 201, response.text
        post_id = response.json()["post_id"]

        async def in_read_model() -> list[dict[str, Any]]:
            return await fetch_all(
                matching.database_url, "SELECT * FROM post WHERE post_id = $1", post_id
            )

        [row] = await eventually(in_read_model, what="the post in matching's read model")
        assert (row["title"], row["capacity"], row["sequence"]) == ("团委办公室助理", 2, 1)
        assert await fetch_all(placement.database_url, "SELECT * FROM outbox") == []
        inbox = await fetch_all(matching.database_url, "SELECT * FROM inbox")
        assert [r["event_type"] for r in inbox] == ["placement.post.published.v1"]


async def test_a_retried_request_with_the_same_idempotency_key_creates_one_post(
    service_settings: SettingsFactory,
) -> None:
    placement = service_settings(PlacementSettings)
    async with serve_in_process(create_placement(placement)) as p:
        body = await prepare(p)
        first = await publish(p, body, **{"Idempotency-Key": "unit-system-retry-1"})
        second = await publish(p, body, **{"Idempotency-Key": "unit-system-retry-1"})
        assert first.status_code == 201 and second.status_code == 201
        assert first.json()["post_id"] == second.json()["post_id"]
        posts = await fetch_all(placement.database_url, "SELECT post_id FROM post")
        assert len(posts) == 1


async def test_an_event_delivered_twice_is_applied_once(service_settings: SettingsFactory) -> None:
    matching = service_settings(MatchingSettings)
    app = create_matching(matching)
    [consumer] = [c for c in app.state.runtime.consumers if c.topic == "placement.posts.v1"]
    envelope = new_event(
        PostPublishedV1(post_id="P-dup", **{k: v for k, v in POST.items()}),
        source="/tests",
        sequence=1,
    )
    async with serve_in_process(app):
        producer = AIOKafkaProducer(bootstrap_servers=matching.kafka_bootstrap_servers)
        await producer.start()
        try:
            for _ in range(2):
                await producer.send_and_wait(
                    matching.topic("placement.posts.v1"), envelope.to_bytes(), key=b"P-dup"
                )
        finally:
            await producer.stop()

        async def both_seen() -> bool:
            return consumer.stats.processed + consumer.stats.duplicates >= 2

        await eventually(both_seen, what="both deliveries handled")
        assert (consumer.stats.processed, consumer.stats.duplicates) == (1, 1)
        rows = await fetch_all(matching.database_url, "SELECT post_id FROM post")
        assert rows == [{"post_id": "P-dup"}]


async def test_a_malformed_message_is_dead_lettered_and_the_next_one_is_processed(
    service_settings: SettingsFactory,
) -> None:
    matching = service_settings(MatchingSettings)
    app = create_matching(matching)
    topic = matching.topic("placement.posts.v1")
    good = new_event(PostPublishedV1(post_id="P-after-poison", **POST), source="/tests", sequence=1)
    poison = b'{"this is": "not an event"'
    async with serve_in_process(app):
        producer = AIOKafkaProducer(bootstrap_servers=matching.kafka_bootstrap_servers)
        await producer.start()
        try:
            # Same key, so both land on one partition with the poison message first.
            await producer.send_and_wait(
                topic, poison, key=b"P-after-poison", headers=[("origin", b"test")]
            )
            await producer.send_and_wait(topic, good.to_bytes(), key=b"P-after-poison")
        finally:
            await producer.stop()

        async def good_applied() -> list[dict[str, Any]]:
            return await fetch_all(matching.database_url, "SELECT post_id FROM post")

        assert await eventually(good_applied, what="the event after the poison message") == [
            {"post_id": "P-after-poison"}
        ]

    dead = AIOKafkaConsumer(
        f"{topic}.dlt",
        bootstrap_servers=matching.kafka_bootstrap_servers,
        auto_offset_reset="earliest",
        group_id=None,
    )
    await dead.start()
    try:
        batch = await dead.getmany(timeout_ms=10_000)
        records = [r for rs in batch.values() for r in rs]
    finally:
        await dead.stop()
    assert [r.value for r in records] == [poison]
    headers = dict(records[0].headers)
    assert headers["origin"] == b"test"  # the original headers are kept
    assert headers["x-original-topic"] == topic.encode()
    assert b"InvalidEvent" in headers["x-error"]
    assert headers["x-consumer-group"] == b"matching.read-model-posts"


async def test_a_write_accepted_while_kafka_is_down_arrives_once_after_it_returns(
    service_settings: SettingsFactory, own_kafka: KafkaNode
) -> None:
    await ensure_topics(own_kafka.bootstrap, namespace=service_settings.namespace)
    placement = service_settings(PlacementSettings, kafka_bootstrap_servers=own_kafka.bootstrap)
    matching = service_settings(MatchingSettings, kafka_bootstrap_servers=own_kafka.bootstrap)
    async with (
        serve_in_process(create_placement(placement)) as p,
        serve_in_process(create_matching(matching)) as m,
    ):
        await eventually(lambda: is_ready(m), what="matching ready")
        body = await prepare(p)
        await eventually(lambda: outbox_empty(placement.database_url), what="setup relayed")
        await asyncio.to_thread(own_kafka.stop)

        response = await publish(p, body)
        assert response.status_code == 201, "a write must be accepted while Kafka is down"
        post_id = response.json()["post_id"]
        backlog = await fetch_all(placement.database_url, "SELECT event_type FROM outbox")
        assert backlog == [{"event_type": "placement.post.published.v1"}]
        not_ready = await p.get("/readyz")
        assert not_ready.status_code == 503 and not not_ready.json()["checks"]["kafka"]["ok"]

        await asyncio.sleep(2)  # the relay keeps trying meanwhile
        await asyncio.to_thread(own_kafka.start)

        async def arrived() -> list[dict[str, Any]]:
            return await fetch_all(
                matching.database_url, "SELECT post_id FROM post WHERE post_id = $1", post_id
            )

        await eventually(arrived, within=90, what="the post after Kafka returned")
        await eventually(lambda: outbox_empty(placement.database_url), what="the outbox drained")
        inbox = await fetch_all(matching.database_url, "SELECT event_id FROM inbox")
        assert len(inbox) == 1


def test_unique_namespaces_keep_tests_apart() -> None:
    a = SettingsFactory("postgresql://x@h:1/postgres", "h:9")
    b = SettingsFactory("postgresql://x@h:1/postgres", "h:9")
    assert a.namespace != b.namespace
