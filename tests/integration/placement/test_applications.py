"""Applications with ranked choices, eligibility (属地) and interviews, over HTTP."""

from __future__ import annotations

import asyncio

import pytest

from fanxiang_local.testing import fetch_all
from tests.integration.placement.world import World, post_body, topic_events

pytestmark = pytest.mark.integration


async def test_a_student_ranks_edits_and_withdraws_choices(world: World) -> None:
    await world.season(max_choices=3)
    unit_id, unit = await world.unit()
    p1, p2, p3, p4 = [await world.published_post(unit_id, title=f"岗位{i}") for i in range(4)]
    city_unit, _ = await world.unit(county="city", township=None, name="市图书馆")
    p_city = await world.published_post(city_unit, county="city", township=None)
    draft = (await world.client.post("/v1/posts", json=post_body(), headers=unit)).json()
    student_id, student = await world.student(home_county="140302")
    c = world.client

    async def apply(choices: list[str]) -> tuple[int, dict]:  # type: ignore[type-arg]
        r = await c.post(
            "/v1/applications",
            headers=student,
            json={"season_id": "2026-summer", "choices": choices},
        )
        return r.status_code, r.json()

    status, body = await apply([p1, p2, p3, p4])
    assert (status, body["detail"][0]["loc"]) == (422, ["body", "choices"])
    status, body = await apply([p1, p2, p1])
    assert (status, body["detail"][0]["loc"], body["detail"][0]["type"]) == (
        422,
        ["body", "choices", 2],
        "duplicate",
    )
    status, body = await apply([p1, draft["post_id"]])
    assert (status, body["detail"][0]["type"]) == (422, "post_not_open")
    status, body = await apply([p1, "P-nope"])
    assert (status, body["detail"][0]["loc"]) == (422, ["body", "choices", 1])
    status, body = await apply([])
    assert status == 422

    status, body = await apply([p2, p_city])
    assert status == 201, body
    application_id = body["application_id"]
    assert [(ch["rank"], ch["post_id"], ch["local"]) for ch in body["choices"]] == [
        (1, p2, True),
        (2, p_city, True),
    ]
    status, again = await apply([p1])
    assert (status, again["detail"][0]["type"]) == (409, "already_applied")

    r = await c.put(
        f"/v1/applications/{application_id}/choices",
        headers=student,
        json={"choices": [p3, p1, p2]},
    )
    assert r.status_code == 200, r.text
    assert [ch["post_id"] for ch in r.json()["choices"]] == [p3, p1, p2]
    mine = (await c.get("/v1/applications/mine", headers=student)).json()
    assert [a["application_id"] for a in mine] == [application_id]

    # Another student can neither read nor change it.
    _, other = await world.student()
    assert (await c.get(f"/v1/applications/{application_id}", headers=other)).status_code == 404
    r = await c.post(f"/v1/applications/{application_id}/withdraw", headers=other, json={})
    assert r.status_code == 404

    r = await c.post(
        f"/v1/applications/{application_id}/withdraw", headers=student, json={"reason": "暑期有课"}
    )
    assert r.json()["status"] == "withdrawn"
    r = await c.put(
        f"/v1/applications/{application_id}/choices", headers=student, json={"choices": [p1]}
    )
    assert r.status_code == 409
    status, body = await apply([p1])  # a new application after withdrawing
    assert status == 201

    events = await topic_events(world.settings, "placement.applications.v1", at_least=4)
    mine_events = [e for e in events if e["subject"] == application_id]
    assert [e["type"] for e in mine_events] == [
        "placement.application.submitted.v1",
        "placement.application.changed.v1",
        "placement.application.withdrawn.v1",
    ]
    assert [e["sequence"] for e in mine_events] == [1, 2, 3]
    assert mine_events[0]["data"] == {
        "application_id": application_id,
        "student_id": student_id,
        "season_id": "2026-summer",
        "home_county": "140302",
        "home_township": None,
        "choices": [p2, p_city],
    }
    assert mine_events[1]["data"]["choices"] == [p3, p1, p2]


async def test_a_submission_retried_with_its_idempotency_key_gets_the_first_response(
    world: World,
) -> None:
    await world.season()
    unit_id, _ = await world.unit()
    post = await world.published_post(unit_id)
    student_id, student = await world.student()
    c = world.client
    body = {"season_id": "2026-summer", "choices": [post]}
    keyed = {**student, "Idempotency-Key": "submit-1"}

    first = await c.post("/v1/applications", json=body, headers=keyed)
    assert first.status_code == 201, first.text
    again = await c.post("/v1/applications", json={**body, "choices": []}, headers=keyed)
    assert (again.status_code, again.headers.get("Idempotent-Replayed")) == (201, "true")
    assert again.json() == first.json()
    application_id = first.json()["application_id"]
    r = await c.get(f"/v1/applications/{application_id}", headers=student)
    assert r.json()["created_at"] == first.json()["created_at"]

    # A key already used for another request is refused, and nothing is stored.
    r = await c.post(
        f"/v1/applications/{application_id}/withdraw",
        json={},
        headers={**student, "Idempotency-Key": "withdraw-1"},
    )
    assert r.status_code == 200, r.text
    r = await c.post(
        "/v1/applications", json=body, headers={**student, "Idempotency-Key": "withdraw-1"}
    )
    assert (r.status_code, r.json()["detail"][0]["loc"]) == (409, ["header", "Idempotency-Key"])

    # Two concurrent twins: one application, both get its response.
    twins = await asyncio.gather(
        *(
            c.post("/v1/applications", json=body, headers={**student, "Idempotency-Key": "t"})
            for _ in range(2)
        )
    )
    assert [t.status_code for t in twins] == [201, 201], [t.text for t in twins]
    assert twins[0].json() == twins[1].json()
    rows = await fetch_all(
        world.settings.database_url,
        "SELECT application_id FROM application WHERE student_id = $1 ORDER BY created_at",
        student_id,
    )
    assert [r["application_id"] for r in rows] == [
        application_id,
        twins[0].json()["application_id"],
    ]
    events = await topic_events(world.settings, "placement.applications.v1", at_least=3)
    submitted = [e for e in events if e["type"] == "placement.application.submitted.v1"]
    assert sorted(e["subject"] for e in submitted) == sorted(r["application_id"] for r in rows)
    assert all(e["sequence"] == 1 for e in submitted)


async def test_applying_needs_a_profile_consent_and_an_open_window(world: World) -> None:
    await world.season(
        applications_open="2020-01-01T00:00:00Z", applications_close="2020-02-01T00:00:00Z"
    )
    unit_id, _ = await world.unit()
    post_id = await world.published_post(unit_id)
    c = world.client
    _, no_consent = await world.student(consent=False)
    r = await c.post(
        "/v1/applications",
        headers=no_consent,
        json={"season_id": "2026-summer", "choices": [post_id]},
    )
    assert (r.status_code, r.json()["detail"][0]["type"]) == (422, "consent_required")
    _, student = await world.student()
    r = await c.post(
        "/v1/applications", headers=student, json={"season_id": "2026-summer", "choices": [post_id]}
    )
    assert (r.status_code, r.json()["detail"][0]["type"]) == (409, "window_closed")
    fresh = await world.login("13700000009")
    r = await c.post(
        "/v1/applications", headers=fresh, json={"season_id": "2026-summer", "choices": [post_id]}
    )
    assert r.status_code == 422 and "profile" in r.json()["detail"][0]["msg"]


async def test_the_home_county_decides_eligibility_and_units_interview(world: World) -> None:
    await world.season()
    unit_id, unit = await world.unit(county="140322", township="140322100", name="盂县统计局")
    other_unit_id, other_unit = await world.unit(name="别的单位")
    post_id = await world.published_post(unit_id, county="140322", township="140322100")
    home = await world.county("140302")
    posts_county = await world.county("140322")
    student_id, student = await world.student(home_county="140302", name="张三")
    c = world.client
    r = await c.post(
        "/v1/applications", headers=student, json={"season_id": "2026-summer", "choices": [post_id]}
    )
    application_id = r.json()["application_id"]
    assert r.json()["choices"][0]["local"] is False  # 属地: another county's post

    queue = (await c.get("/v1/applications", headers=home)).json()
    assert [a["application_id"] for a in queue["items"]] == [application_id]
    assert (await c.get("/v1/applications", headers=posts_county)).json()["total"] == 0
    r = await c.post(
        f"/v1/applications/{application_id}/eligibility",
        headers=posts_county,
        json={"eligible": True},
    )
    assert r.status_code == 404
    r = await c.post(
        f"/v1/applications/{application_id}/eligibility", headers=home, json={"eligible": False}
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "reason"]
    r = await c.post(
        f"/v1/applications/{application_id}/eligibility", headers=home, json={"eligible": True}
    )
    assert r.json()["status"] == "eligible"

    # The unit sees its applicant, phone masked; another unit does not.
    r = await c.get(f"/v1/posts/{post_id}/applicants", headers=unit)
    [applicant] = r.json()["items"]
    assert applicant["name"] == "张三" and applicant["phone"].count("*") == 4
    assert applicant["email"] is None
    r = await c.get(f"/v1/posts/{post_id}/applicants", headers=other_unit)
    assert r.status_code == 403
    assert other_unit_id

    base = f"/v1/posts/{post_id}/applicants/{application_id}"
    r = await c.post(
        f"{base}/interview",
        headers=unit,
        json={"at": "2026-06-20T09:00:00+08:00", "place": "盂县统计局三楼会议室"},
    )
    assert r.status_code == 200, r.text
    r = await c.post(
        f"{base}/score",
        headers=unit,
        json={"scores": {"综合分析": 80, "言语表达": 90, "应变能力": 70}},
    )
    assert r.json()["overall"] == 80.0
    r = await c.post(
        f"{base}/score", headers=unit, json={"scores": {"综合分析": 80, "言语表达": 101}}
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "scores", "言语表达"]
    r = await c.post(
        f"{base}/score",
        headers=unit,
        json={
            "scores": {"综合分析": 80, "专业匹配": 60},
            "weights": {"综合分析": 3, "专业匹配": 1},
        },
    )
    assert r.json()["overall"] == 75.0
    r = await c.post(f"{base}/refuse", headers=unit, json={"reason": "专业不对口"})
    assert r.json()["refused"] is True

    events = await topic_events(world.settings, "placement.applications.v1", at_least=6)
    types = [e["type"] for e in events if e["subject"] == application_id]
    assert types == [
        "placement.application.submitted.v1",
        "placement.application.eligibility-decided.v1",
        "placement.application.interview-scheduled.v1",
        "placement.application.interview-scored.v1",
        "placement.application.interview-scored.v1",
        "placement.application.refused.v1",
    ]
    scored = [e for e in events if e["type"].endswith("interview-scored.v1")][-1]
    assert scored["data"]["overall"] == 75.0 and scored["data"]["unit_id"] == unit_id
    assert student_id


async def test_the_development_zone_reviews_its_own_students(world: World) -> None:
    await world.season()
    unit_id, _ = await world.unit(county="city", township=None, name="市图书馆")
    post_id = await world.published_post(unit_id, county="city", township=None)
    zone = await world.county("140311400")
    district = await world.county("140311")
    c = world.client
    ids = {}
    for township in ("140311400", "140311100"):
        _, student = await world.student(home_county="140311", township=township)
        r = await c.post(
            "/v1/applications",
            headers=student,
            json={"season_id": "2026-summer", "choices": [post_id]},
        )
        ids[township] = r.json()["application_id"]

    async def queue(headers: dict[str, str]) -> list[str]:
        r = await c.get("/v1/applications", headers=headers)
        return [a["application_id"] for a in r.json()["items"]]

    assert await queue(zone) == [ids["140311400"]]
    assert await queue(district) == [ids["140311100"]]
    r = await c.post(
        f"/v1/applications/{ids['140311400']}/eligibility",
        headers=district,
        json={"eligible": True},
    )
    assert r.status_code == 404
    r = await c.post(
        f"/v1/applications/{ids['140311400']}/eligibility", headers=zone, json={"eligible": True}
    )
    assert r.json()["status"] == "eligible"
    students = (await c.get("/v1/students", headers=zone)).json()["items"]
    assert [s["home_township"] for s in students] == ["140311400"]
