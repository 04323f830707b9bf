from __future__ import annotations

import pytest

from tests.integration.placement.world import World, post_body

pytestmark = pytest.mark.integration


async def test_a_unit_drafts_submits_and_the_county_approves(world: World) -> None:
    await world.season()
    _unit_id, unit = await world.unit()
    county = await world.county("140302")
    r = await world.client.post("/v1/posts", json=post_body(), headers=unit)
    assert r.status_code == 201, r.text
    post_id = r.json()["post_id"]
    assert r.json()["status"] == "draft"
    r = await world.client.post(f"/v1/posts/{post_id}/submit", headers=unit)
    assert r.status_code == 200, r.text
    r = await world.client.post(f"/v1/posts/{post_id}/approve", headers=unit)
    assert r.status_code == 403, r.text
    r = await world.client.post(f"/v1/posts/{post_id}/approve", headers=county)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "published"
