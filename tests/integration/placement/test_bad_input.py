"""Hostile and broken input: always a 4xx that names the field and the reason, never a 500."""

from __future__ import annotations

import pytest

from tests.integration.placement.world import World, post_body

pytestmark = pytest.mark.integration

NASTY = [
    "\x00",
    "a\x00b",
    "x" * 100_000,
    "\ud7ff",
    "'; DROP TABLE post; --",
    "%_\\",
    "🙂" * 50,
    -1,
    2**63,
    1e308,
    None,
    [],
    {},
    True,
]


async def test_nothing_gives_a_server_error(world: World) -> None:
    await world.season()
    unit_id, unit = await world.unit()
    post_id = await world.published_post(unit_id)
    _, student = await world.student()
    coordinator = await world.coordinator()
    c = world.client
    failures = []

    async def probe(method: str, path: str, headers: dict[str, str], **kwargs: object) -> None:
        r = await c.request(method, path, headers=headers, **kwargs)  # type: ignore[arg-type]
        if r.status_code >= 500:
            failures.append(f"{method} {path} {kwargs}: {r.status_code} {r.text[:200]}")
        elif r.status_code >= 400:
            detail = r.json()["detail"]
            if not (detail and all("loc" in d and d.get("msg") for d in detail)):
                failures.append(f"{method} {path}: a 4xx without loc/msg: {r.text[:200]}")

    base = post_body(unit_id)
    for field in (
        "title",
        "category",
        "county",
        "township",
        "capacity",
        "majors",
        "starts_on",
        "season_id",
        "unit_id",
        "duties",
    ):
        for value in NASTY:
            await probe("POST", "/v1/posts", unit, json={**base, field: value})
    for value in NASTY:
        await probe(
            "POST",
            "/v1/applications",
            student,
            json={"season_id": "2026-summer", "choices": [value]},
        )
        await probe(
            "POST", "/v1/applications", student, json={"season_id": value, "choices": [post_id]}
        )
        await probe(
            "PUT",
            "/v1/students/me",
            student,
            json={
                "name": value,
                "university": "u",
                "university_city": "c",
                "university_province": "p",
                "grade": "g",
                "major": "m",
                "home_county": "140302",
            },
        )
        await probe("POST", "/v1/auth/codes", {}, json={"phone": value})
        await probe("POST", "/v1/seasons", coordinator, json={"season_id": value})
        await probe("GET", "/v1/posts", student, params={"q": str(value)[:1000]})
        await probe("POST", f"/v1/posts/{post_id}/capacity", unit, json={"capacity": value})
    for path in (
        "/v1/posts/%00",
        "/v1/posts/" + "x" * 5000,
        "/v1/applications/..%2f..",
        "/v1/placements/%F0%9F%99%82",
        "/v1/units/'",
    ):
        await probe("GET", path, coordinator)
    for raw in (b"{", b"\xff\xfe", b"[]", b"null", b'{"a":' * 1000):
        await probe("POST", "/v1/posts", {**unit, "content-type": "application/json"}, content=raw)
    await probe("GET", "/v1/posts", student, params={"limit": "-1", "offset": "x"})
    await probe("POST", "/v1/posts", {**unit, "Idempotency-Key": "\x01bad"}, json=base)
    await probe(
        "POST", f"/v1/posts/{post_id}/applicants/x/score", unit, json={"scores": {"a": "NaN"}}
    )
    assert failures == [], "\n".join(failures[:20])


async def test_a_refusal_names_the_field(world: World) -> None:
    await world.season()
    unit_id, unit = await world.unit()
    r = await world.client.post(
        "/v1/posts", headers=unit, json={**post_body(unit_id), "capacity": 0, "extra": 1}
    )
    assert r.status_code == 422
    locs = {tuple(d["loc"]) for d in r.json()["detail"]}
    assert ("body", "capacity") in locs and ("body", "extra") in locs
    r = await world.client.post(
        "/v1/posts", headers=unit, json={**post_body(unit_id), "township": "140322100"}
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "township"]
    r = await world.client.post(
        "/v1/posts", headers=unit, json={**post_body(unit_id), "starts_on": "2026-09-01"}
    )
    assert r.status_code == 422 and "starts_on" in r.json()["detail"][0]["msg"]


async def test_the_openapi_document_is_served(world: World) -> None:
    r = await world.client.get("/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    assert "/v1/posts/{post_id}/approve" in paths and "/v1/applications" in paths
    asyncapi = (await world.client.get("/asyncapi.json")).json()
    assert "placement.applications.v1" in str(asyncapi["channels"])
