"""Kafka stopped for a minute while units and students keep submitting through placement's API:
every request is accepted (the outbox holds the events), placement says it is not ready, and
once Kafka returns every accepted post and application reaches matching's read model exactly
once — nothing accepted is lost, nothing is applied twice."""

from __future__ import annotations

import asyncio
import os
import time

import pytest

from fanxiang_common.kafka.admin import ensure_topics
from fanxiang_local.kafka import KafkaNode
from fanxiang_local.testing import (
    SettingsFactory,
    eventually,
    fetch_all,
    outbox_empty,
    serve_in_process,
)
from matching_service.app import create_app as create_matching
from matching_service.settings import MatchingSettings
from placement_service.app import create_app as create_placement
from placement_service.settings import PlacementSettings
from tests.integration.placement.world import SEASON, World, post_body

pytestmark = pytest.mark.integration

# The issue asks for a minute; FANXIANG_FAULT_OUTAGE_S shortens it while working on the test.
OUTAGE_S = float(os.environ.get("FANXIANG_FAULT_OUTAGE_S", "60"))
STUDENTS = 12
NEW_POSTS = 6


async def test_submissions_during_a_kafka_outage_arrive_once_after_it_returns(
    service_settings: SettingsFactory, own_kafka: KafkaNode
) -> None:
    await ensure_topics(own_kafka.bootstrap, namespace=service_settings.namespace)
    placement = service_settings(PlacementSettings, kafka_bootstrap_servers=own_kafka.bootstrap)
    matching = service_settings(MatchingSettings, kafka_bootstrap_servers=own_kafka.bootstrap)
    async with (
        serve_in_process(create_placement(placement)) as p,
        serve_in_process(create_matching(matching)),
    ):
        world = World(p, placement)
        await world.season()
        unit_id, _ = await world.unit()
        coordinator = await world.coordinator()
        open_posts = [await world.published_post(unit_id, title=f"岗位{i}") for i in range(3)]
        students = [(await world.student())[1] for _ in range(STUDENTS)]
        await eventually(
            lambda: outbox_empty(placement.database_url), within=60, what="set-up relayed"
        )

        await asyncio.to_thread(own_kafka.stop)
        started = time.monotonic()
        not_ready = await p.get("/readyz")
        assert not_ready.status_code == 503

        async def units_keep_posting() -> list[str]:
            created = []
            for i in range(NEW_POSTS):
                r = await p.post(
                    "/v1/posts",
                    params={"publish": "true"},
                    json=post_body(unit_id, title=f"停机期间岗位{i}"),
                    headers=coordinator,
                )
                assert r.status_code == 201, r.text
                created.append(str(r.json()["post_id"]))
                await asyncio.sleep(OUTAGE_S / (NEW_POSTS + 1))
            return created

        async def students_keep_applying() -> list[str]:
            applied = []
            for i, student in enumerate(students):
                r = await p.post(
                    "/v1/applications",
                    headers=student,
                    json={"season_id": SEASON, "choices": open_posts[: 1 + i % 3]},
                )
                assert r.status_code == 201, r.text
                applied.append(str(r.json()["application_id"]))
                await asyncio.sleep(OUTAGE_S / (STUDENTS + 1))
            return applied

        new_posts, applications = await asyncio.gather(
            units_keep_posting(), students_keep_applying()
        )
        await asyncio.sleep(max(0.0, OUTAGE_S - (time.monotonic() - started)))
        backlog = await fetch_all(placement.database_url, "SELECT count(*) AS n FROM outbox")
        assert backlog[0]["n"] >= NEW_POSTS + STUDENTS, "the outbox holds what Kafka could not take"
        await asyncio.to_thread(own_kafka.start)

        async def all_arrived() -> bool:
            posts = await fetch_all(matching.database_url, "SELECT post_id FROM post")
            apps = await fetch_all(matching.database_url, "SELECT application_id FROM application")
            return {r["post_id"] for r in posts} == {*open_posts, *new_posts} and {
                r["application_id"] for r in apps
            } == set(applications)

        await eventually(all_arrived, within=120, what="everything accepted, in matching")
        await eventually(
            lambda: outbox_empty(placement.database_url), within=60, what="the outbox drained"
        )
        inbox = await fetch_all(
            matching.database_url,
            "SELECT event_type, count(*) AS n FROM inbox GROUP BY event_type ORDER BY event_type",
        )
        counts = {r["event_type"]: r["n"] for r in inbox}
        assert counts.get("placement.application.submitted.v1") == STUDENTS, counts
        assert counts.get("placement.post.published.v1") == 3 + NEW_POSTS, counts
