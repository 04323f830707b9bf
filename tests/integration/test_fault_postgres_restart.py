"""PostgreSQL restarted while units keep submitting posts: placement answers 503 (never 500)
and says it is not ready while the database is away, recovers by itself when it returns, and
every post it accepted reaches matching's read model exactly once. The units' systems retry a
503 with the same Idempotency-Key, as placement's API asks, so every post ends up created once."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from fanxiang_common.kafka.admin import ensure_topics
from fanxiang_local.postgres import PostgresCluster
from fanxiang_local.testing import (
    SettingsFactory,
    eventually,
    fetch_all,
    is_ready,
    serve_in_process,
)
from matching_service.app import create_app as create_matching
from matching_service.settings import MatchingSettings
from placement_service.app import create_app as create_placement
from placement_service.settings import PlacementSettings
from tests.integration.test_walking_skeleton import prepare, publish

pytestmark = pytest.mark.integration

DOWN_S = 6.0
UNIT_SYSTEMS = 4  # concurrent submitters
POSTS_EACH = 15


async def _submit_until_created(
    client: Any, body: dict[str, Any], key: str
) -> tuple[str, list[int]]:
    """One unit system's post: retried on 503 with the same key until it is created."""
    statuses: list[int] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        response = await publish(client, body, **{"Idempotency-Key": key})
        statuses.append(response.status_code)
        if response.status_code == 201:
            return str(response.json()["post_id"]), statuses
        assert response.status_code == 503, f"{response.status_code}: {response.text}"
        assert response.json()["detail"][0]["msg"], "a 503 says what happened"
        await asyncio.sleep(0.3)
    raise AssertionError(f"post {key} was never accepted: {statuses}")


@pytest_asyncio.fixture
async def factory(
    own_postgres: PostgresCluster, kafka_bootstrap: str
) -> AsyncIterator[SettingsFactory]:
    made = SettingsFactory(own_postgres.url, kafka_bootstrap)
    await ensure_topics(kafka_bootstrap, namespace=made.namespace)
    yield made
    await made.clean_up()


async def test_posts_submitted_across_a_database_restart_are_created_and_delivered_once(
    own_postgres: PostgresCluster, factory: SettingsFactory
) -> None:
    placement = factory(PlacementSettings)
    matching = factory(MatchingSettings)
    async with (
        serve_in_process(create_placement(placement)) as p,
        serve_in_process(create_matching(matching)),
    ):
        body = await prepare(p)

        async def unit_system(n: int) -> list[tuple[str, list[int]]]:
            done = []
            for i in range(POSTS_EACH):
                done.append(
                    await _submit_until_created(
                        p, {**body, "title": f"岗位 {n}-{i}"}, f"unit-{n}-post-{i}"
                    )
                )
                await asyncio.sleep(0.2)
            return done

        submitters = [asyncio.create_task(unit_system(n)) for n in range(UNIT_SYSTEMS)]
        await asyncio.sleep(1.5)
        await asyncio.to_thread(own_postgres.stop)
        await asyncio.sleep(1.0)
        down = await p.get("/readyz")
        assert down.status_code == 503, down.text
        assert not down.json()["checks"]["database"]["ok"]
        await asyncio.sleep(DOWN_S)
        await asyncio.to_thread(own_postgres.start)
        results = [r for batch in await asyncio.gather(*submitters) for r in batch]

        statuses = Counter(s for _, tries in results for s in tries)
        assert statuses[503] > 0, f"the restart was not felt: {statuses}"
        assert set(statuses) <= {201, 503}, statuses
        await eventually(lambda: is_ready(p), within=60, what="placement ready again")

        post_ids = sorted(post_id for post_id, _ in results)
        assert len(set(post_ids)) == UNIT_SYSTEMS * POSTS_EACH  # one post per key
        created = await fetch_all(placement.database_url, "SELECT post_id FROM post")
        assert sorted(r["post_id"] for r in created) == post_ids  # no extra post

        async def all_in_read_model() -> bool:
            rows = await fetch_all(matching.database_url, "SELECT post_id FROM post")
            return sorted(r["post_id"] for r in rows) == post_ids

        await eventually(all_in_read_model, within=90, what="every post in matching")
        inbox = await fetch_all(
            matching.database_url,
            "SELECT event_id FROM inbox WHERE event_type = 'placement.post.published.v1'",
        )
        assert len(inbox) == len(post_ids)
