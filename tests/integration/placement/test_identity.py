"""Signing in by phone and one-time code, unit API tokens, consents, phone reveals."""

from __future__ import annotations

import pytest

from fanxiang_common.auth import verify_token
from tests.integration.placement.world import World, new_phone, post_body, topic_events

pytestmark = pytest.mark.integration


async def test_a_code_signs_a_new_student_in_and_notify_gets_the_code(world: World) -> None:
    c = world.client
    phone = new_phone()
    sent = await c.post("/v1/auth/codes", json={"phone": phone})
    assert sent.status_code == 202
    code = sent.json()["dev_code"]
    assert (await c.post("/v1/auth/codes", json={"phone": phone})).status_code == 429
    token = await c.post("/v1/auth/tokens", json={"phone": phone, "code": code})
    assert token.status_code == 200, token.text
    principal = verify_token(token.json()["access_token"], world.settings.jwt_public_key)
    assert principal.role == "student" and principal.subject.startswith("S-")
    again = await c.post("/v1/auth/tokens", json={"phone": phone, "code": code})
    assert (again.status_code, again.json()["detail"][0]["type"]) == (401, "code_missing")

    [event] = await topic_events(world.settings, "placement.students.v1", at_least=1)
    assert event["type"] == "placement.account.login-code-requested.v1"
    assert event["subject"] == principal.subject
    assert (event["data"]["phone"], event["data"]["code"], event["data"]["purpose"]) == (
        phone,
        code,
        "login",
    )


async def test_five_wrong_codes_lock_the_code(world: World) -> None:
    c = world.client
    phone = new_phone()
    code = (await c.post("/v1/auth/codes", json={"phone": phone})).json()["dev_code"]
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        r = await c.post("/v1/auth/tokens", json={"phone": phone, "code": wrong})
        assert (r.status_code, r.json()["detail"][0]["type"]) == (401, "code_wrong")
    r = await c.post("/v1/auth/tokens", json={"phone": phone, "code": code})
    assert r.status_code == 429  # even the right code is refused now
    r = await c.post("/v1/auth/tokens", json={"phone": "12345", "code": code})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "phone"]


async def test_the_bootstrap_coordinator_and_registered_roles_sign_in(world: World) -> None:
    coordinator = await world.coordinator()
    c = world.client
    accounts = (await c.get("/v1/accounts", headers=coordinator)).json()
    assert accounts["items"][0]["role"] == "coordinator"
    assert accounts["items"][0]["phone"] == "138****0000"
    liaison_phone = new_phone()
    r = await c.post(
        "/v1/accounts",
        headers=coordinator,
        json={"phone": liaison_phone, "role": "liaison", "name": "联络员", "city": "太原"},
    )
    assert r.status_code == 201, r.text
    liaison = await world.login(liaison_phone)
    await world.student(name="太原的学生", city="太原")
    await world.student(name="北京的学生", city="北京")
    roster = (await c.get("/v1/students/roster", headers=liaison)).json()
    assert roster["items"] == [
        {
            "student_id": roster["items"][0]["student_id"],
            "name": "太原的学生",
            "university": "山西大学",
        }
    ]
    r = await c.post(
        "/v1/accounts",
        headers=coordinator,
        json={"phone": liaison_phone, "role": "county", "name": "x", "county": "140302"},
    )
    assert r.status_code == 409 and r.json()["detail"][0]["loc"] == ["body", "phone"]
    r = await c.post(
        "/v1/accounts",
        headers=coordinator,
        json={"phone": new_phone(), "role": "county", "name": "x", "county": "999999"},
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "county"]


async def test_a_units_api_token_submits_posts_until_it_is_revoked(world: World) -> None:
    await world.season()
    unit_id, unit_admin = await world.unit()
    c = world.client
    r = await c.post(
        f"/v1/units/{unit_id}/api-tokens", json={"label": "OA 系统"}, headers=unit_admin
    )
    assert r.status_code == 201, r.text
    api_token, token_id = r.json()["api_token"], r.json()["token_id"]
    listed = (await c.get(f"/v1/units/{unit_id}/api-tokens", headers=unit_admin)).json()
    assert "api_token" not in listed[0]

    bearer = await c.post("/v1/auth/unit-tokens", json={"api_token": api_token})
    assert bearer.status_code == 200, bearer.text
    system = {"Authorization": f"Bearer {bearer.json()['access_token']}"}
    r = await c.post("/v1/posts", json=post_body(), headers=system)
    assert r.status_code == 201 and r.json()["unit_id"] == unit_id
    # The token cannot mint further tokens.
    r = await c.post(f"/v1/units/{unit_id}/api-tokens", json={"label": "x"}, headers=system)
    assert r.status_code == 403

    r = await c.post(f"/v1/units/{unit_id}/api-tokens/{token_id}/revoke", headers=unit_admin)
    assert r.json()["revoked_at"] is not None
    r = await c.post("/v1/posts", json=post_body(), headers=system)
    assert (r.status_code, r.json()["detail"][0]["type"]) == (401, "token_revoked")
    r = await c.post("/v1/auth/unit-tokens", json={"api_token": api_token})
    assert r.status_code == 401


async def test_profiles_consents_and_an_audited_phone_reveal(world: World) -> None:
    c = world.client
    student_id, student = await world.student(home_county="140322", name="王芳")
    me = (await c.get("/v1/students/me", headers=student)).json()
    assert me["profile"]["name"] == "王芳"
    assert {x["purpose"]: x["granted"] for x in me["consents"]} == {
        "share_with_units": True,
        "publicity": True,
    }
    r = await c.post(
        "/v1/students/me/consents",
        headers=student,
        json={"purpose": "publicity", "granted": False, "version": "2026.2"},
    )
    assert r.status_code == 201
    me = (await c.get("/v1/students/me", headers=student)).json()
    assert {x["purpose"]: x["version"] for x in me["consents"]}["publicity"] == "2026.2"

    county = await world.county("140322")
    other = await world.county("140302")
    listed = (await c.get("/v1/students", headers=county)).json()
    assert [s["phone"].count("*") for s in listed["items"]] == [4]
    assert (await c.get("/v1/students", headers=other)).json()["total"] == 0
    r = await c.post(
        f"/v1/students/{student_id}/phone/reveal", headers=other, json={"reason": "联系"}
    )
    assert r.status_code == 404
    r = await c.post(f"/v1/students/{student_id}/phone/reveal", headers=county, json={})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "reason"]
    r = await c.post(
        f"/v1/students/{student_id}/phone/reveal",
        headers=county,
        json={"reason": "面试时间变更，电话通知"},
    )
    assert r.status_code == 200 and "*" not in r.json()["phone"]
    audit = (
        await c.get("/v1/audit", params={"subject": student_id}, headers=await world.coordinator())
    ).json()["items"]
    assert [(a["action"], a["reason"]) for a in audit] == [
        ("reveal_phone", "面试时间变更，电话通知")
    ]

    events = await topic_events(world.settings, "placement.students.v1", at_least=8)
    mine = [e["type"] for e in events if e["subject"] == student_id]
    assert mine[-4:] == [
        "placement.student.registered.v1",
        "placement.student.consent-recorded.v1",
        "placement.student.consent-recorded.v1",
        "placement.student.consent-recorded.v1",
    ]
