"""The post lifecycle over HTTP, with its events on placement.posts.v1."""

from __future__ import annotations

import asyncio

import pytest

from tests.integration.placement.world import World, post_body, topic_events

pytestmark = pytest.mark.integration


async def test_a_post_goes_from_draft_to_published_and_matching_hears_only_what_it_needs(
    world: World,
) -> None:
    await world.season()
    unit_id, unit = await world.unit()
    county = await world.county("140302")
    other_county = await world.county("140322")
    c = world.client

    r = await c.post("/v1/posts", json=post_body(), headers=unit)
    assert r.status_code == 201, r.text
    post = r.json()
    assert (post["status"], post["unit_id"], post["managing_org"]) == ("draft", unit_id, "140302")
    post_id = post["post_id"]

    # Students do not see drafts; the other county's committee neither.
    _, student = await world.student()
    assert (await c.get(f"/v1/posts/{post_id}", headers=student)).status_code == 404
    assert (await c.get(f"/v1/posts/{post_id}", headers=other_county)).status_code == 404

    assert (await c.post(f"/v1/posts/{post_id}/approve", headers=county)).status_code == 409
    r = await c.post(f"/v1/posts/{post_id}/submit", headers=unit)
    assert r.json()["status"] == "submitted"
    r = await c.post(
        f"/v1/posts/{post_id}/return", json={"reason": "请写明工作时间"}, headers=county
    )
    assert (r.json()["status"], r.json()["return_reason"]) == ("returned", "请写明工作时间")
    r = await c.put(
        f"/v1/posts/{post_id}",
        headers=unit,
        json={
            **{k: v for k, v in post_body().items() if k != "season_id"},
            "hours": "工作日 9:00-17:00",
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()["hours"] == "工作日 9:00-17:00"
    await c.post(f"/v1/posts/{post_id}/submit", headers=unit)
    r = await c.post(f"/v1/posts/{post_id}/approve", headers=other_county)
    assert r.status_code == 404  # not in its county: it cannot even see the submitted post
    r = await c.post(f"/v1/posts/{post_id}/approve", headers=county)
    assert r.json()["status"] == "published", r.text
    assert (await c.get(f"/v1/posts/{post_id}", headers=student)).status_code == 200

    # A published post no longer takes edits, only a capacity change or withdrawal.
    r = await c.put(
        f"/v1/posts/{post_id}",
        headers=unit,
        json={k: v for k, v in post_body().items() if k != "season_id"},
    )
    assert r.status_code == 409
    r = await c.post(f"/v1/posts/{post_id}/capacity", json={"capacity": 5}, headers=unit)
    assert (r.status_code, r.json()["capacity"]) == (200, 5)
    r = await c.post(f"/v1/posts/{post_id}/withdraw", json={"reason": "单位搬迁"}, headers=unit)
    assert r.json()["status"] == "withdrawn"

    events = await topic_events(world.settings, "placement.posts.v1", at_least=6)
    mine = [e for e in events if e["subject"] == post_id]
    assert [e["type"] for e in mine] == [
        "placement.post.submitted.v1",
        "placement.post.returned.v1",
        "placement.post.submitted.v1",
        "placement.post.published.v1",
        "placement.post.capacity-changed.v1",
        "placement.post.withdrawn.v1",
    ]
    assert [e["sequence"] for e in mine] == [1, 2, 3, 4, 5, 6]
    assert mine[1]["data"]["reason"] == "请写明工作时间"
    assert mine[4]["data"] == {"post_id": post_id, "capacity": 5, "previous_capacity": 2}
    assert mine[5]["data"]["status"] == "withdrawn"


async def test_a_city_post_is_approved_by_the_city_only(world: World) -> None:
    await world.season()
    _, unit = await world.unit(county="city", township=None, name="市图书馆")
    county = await world.county("140302")
    c = world.client
    r = await c.post("/v1/posts", json=post_body(county="city", township=None), headers=unit)
    post_id = r.json()["post_id"]
    await c.post(f"/v1/posts/{post_id}/submit", headers=unit)
    assert (await c.post(f"/v1/posts/{post_id}/approve", headers=county)).status_code == 404
    r = await c.post(f"/v1/posts/{post_id}/approve", headers=await world.coordinator())
    assert r.json()["status"] == "published"


async def test_the_development_zone_committee_approves_its_own_posts(world: World) -> None:
    await world.season()
    _, unit = await world.unit(county="140311", township="140311400", name="开发区管委会")
    zone = await world.county("140311400")
    district = await world.county("140311")
    c = world.client
    r = await c.post(
        "/v1/posts", json=post_body(county="140311", township="140311400"), headers=unit
    )
    post_id = r.json()["post_id"]
    await c.post(f"/v1/posts/{post_id}/submit", headers=unit)
    assert (await c.post(f"/v1/posts/{post_id}/approve", headers=district)).status_code == 404
    assert (await c.post(f"/v1/posts/{post_id}/approve", headers=zone)).json()["status"] == (
        "published"
    )


async def test_lists_filter_and_paginate(world: World) -> None:
    await world.season()
    unit_id, unit = await world.unit()
    for i, (category, county, major) in enumerate(
        [
            ("政务实践", "140302", "法学"),
            ("企业实践", "140302", "会计学"),
            ("社区服务", "140322", "社会工作"),
            ("政务实践", "140322", "法学"),
        ]
    ):
        await world.published_post(
            unit_id,
            title=f"岗位{i}",
            category=category,
            county=county,
            township=None,
            majors=[major],
        )
    await world.client.post("/v1/posts", json=post_body(title="草稿岗位"), headers=unit)
    _, student = await world.student()

    async def titles(headers: dict[str, str], **params: str) -> list[str]:
        r = await world.client.get("/v1/posts", params=params, headers=headers)
        assert r.status_code == 200, r.text
        return sorted(p["title"] for p in r.json()["items"])

    assert await titles(student) == ["岗位0", "岗位1", "岗位2", "岗位3"]
    assert "草稿岗位" in await titles(unit)
    assert await titles(student, category="政务实践") == ["岗位0", "岗位3"]
    assert await titles(student, county="140322") == ["岗位2", "岗位3"]
    assert await titles(student, major="法学") == ["岗位0", "岗位3"]
    assert await titles(student, status="published", q="岗位2") == ["岗位2"]
    page = (
        await world.client.get("/v1/posts", params={"limit": 3, "offset": 3}, headers=student)
    ).json()
    assert (page["total"], len(page["items"]), page["offset"]) == (4, 1, 3)
    r = await world.client.get("/v1/posts", params={"category": "不存在"}, headers=student)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "category"]


async def test_an_idempotent_retry_by_a_units_system_creates_one_post(world: World) -> None:
    await world.season()
    _, unit = await world.unit()
    headers = {**unit, "Idempotency-Key": "oa-42"}
    first = await world.client.post("/v1/posts", json=post_body(), headers=headers)
    second = await world.client.post("/v1/posts", json=post_body(), headers=headers)
    assert first.json() == second.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    listed = await world.client.get("/v1/posts", headers=unit)
    assert listed.json()["total"] == 1
    # The same key on another endpoint is refused, not silently replayed.
    other = await world.client.post(f"/v1/posts/{first.json()['post_id']}/submit", headers=headers)
    assert other.status_code == 409 and other.json()["detail"][0]["loc"] == [
        "header",
        "Idempotency-Key",
    ]


async def test_a_unit_cannot_submit_outside_the_posts_window(world: World) -> None:
    await world.season(posts_open="2020-01-01T00:00:00Z", posts_close="2020-02-01T00:00:00Z")
    _, unit = await world.unit()
    r = await world.client.post("/v1/posts", json=post_body(), headers=unit)
    r = await world.client.post(f"/v1/posts/{r.json()['post_id']}/submit", headers=unit)
    assert r.status_code == 409
    assert r.json()["detail"][0]["type"] == "window_closed"
    assert "closed at 2020-02-01" in r.json()["detail"][0]["msg"]


async def test_concurrent_twins_with_one_idempotency_key_create_one_post(world: World) -> None:
    await world.season()
    _, unit = await world.unit()
    headers = {**unit, "Idempotency-Key": "twin"}
    responses = await asyncio.gather(
        *(world.client.post("/v1/posts", json=post_body(), headers=headers) for _ in range(5))
    )
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["post_id"] for r in responses}) == 1
    assert (await world.client.get("/v1/posts", headers=unit)).json()["total"] == 1
