"""Units registering themselves: the contact proves the phone, the unit waits for the
committee of its place, which approves (the contact signs in as the unit) or rejects."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.placement.world import World, new_phone, topic_events

pytestmark = pytest.mark.integration


def registration(phone: str, **overrides: Any) -> dict[str, Any]:
    body = {
        "name": "北大街社区",
        "unit_type": "社区/村",
        "county": "140302",
        "township": "140302001",
        "contact_name": "刘主任",
        "contact_phone": phone,
    }
    return {**body, **overrides}


async def register(world: World, phone: str, **overrides: Any) -> dict[str, Any]:
    c = world.client
    sent = await c.post("/v1/unit-registrations/codes", json={"contact_phone": phone})
    assert sent.status_code == 202, sent.text
    body = {**registration(phone, **overrides), "code": sent.json()["dev_code"]}
    r = await c.post("/v1/unit-registrations", json=body, headers={"Idempotency-Key": "reg-1"})
    assert r.status_code == 202, r.text
    return dict(r.json())


async def test_a_unit_registers_and_its_committee_approves_it(world: World) -> None:
    c = world.client
    phone = new_phone()
    unit = await register(world, phone)
    assert unit["status"] == "pending" and unit["contact_phone"] == phone[:3] + "****" + phone[-4:]

    # Not yet: the contact cannot sign in, nor register again.
    waiting = await c.post("/v1/auth/codes", json={"phone": phone})
    assert waiting.status_code == 401 and "approved" in waiting.json()["detail"][0]["msg"]
    again = await c.post("/v1/unit-registrations/codes", json={"contact_phone": phone})
    assert (again.status_code, again.json()["detail"][0]["loc"]) == (409, ["body", "contact_phone"])

    chengqu = await world.county("140302")
    yuxian = await world.county("140322")
    pending = await c.get("/v1/units", params={"status": "pending"}, headers=chengqu)
    assert [u["unit_id"] for u in pending.json()["items"]] == [unit["unit_id"]]
    assert (await c.get("/v1/units", params={"status": "pending"}, headers=yuxian)).json()[
        "total"
    ] == 0
    assert (await c.post(f"/v1/units/{unit['unit_id']}/approve", headers=yuxian)).status_code in (
        403,
        404,
    )
    # No posts for a pending unit, even from its committee.
    post = await c.post(
        "/v1/posts",
        json={
            "unit_id": unit["unit_id"],
            "season_id": "2026-summer",
            "title": "助理",
            "category": "社区服务",
            "county": "140302",
            "capacity": 1,
        },
        headers=chengqu,
    )
    assert (post.status_code, post.json()["detail"][0]["loc"]) == (422, ["body", "unit_id"])

    r = await c.post(f"/v1/units/{unit['unit_id']}/approve", headers=chengqu)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "active"
    twice = await c.post(f"/v1/units/{unit['unit_id']}/approve", headers=chengqu)
    assert twice.status_code == 409

    headers = await world.login(phone)
    me = await c.get(f"/v1/units/{unit['unit_id']}", headers=headers)
    assert me.status_code == 200 and me.json()["name"] == "北大街社区"

    events = await topic_events(world.settings, "placement.units.v1", at_least=2)
    assert [e["type"] for e in events] == [
        "placement.unit.registration-requested.v1",
        "placement.unit.registered.v1",
    ]
    assert events[0]["data"]["managing_org"] == "140302"
    assert events[0]["data"]["contact_phone"] == phone
    assert {e["subject"] for e in events} == {unit["unit_id"]}


async def test_a_rejected_registration_frees_the_phone(world: World) -> None:
    c = world.client
    phone = new_phone()
    unit = await register(world, phone, county="city", township=None)
    chengqu = await world.county("140302")
    coordinator = await world.coordinator()
    assert (
        await c.post(f"/v1/units/{unit['unit_id']}/reject", json={"reason": "x"}, headers=chengqu)
    ).status_code in (403, 404)  # 市直: the city decides
    no_reason = await c.post(f"/v1/units/{unit['unit_id']}/reject", json={}, headers=coordinator)
    assert (no_reason.status_code, no_reason.json()["detail"][0]["loc"]) == (
        422,
        ["body", "reason"],
    )
    r = await c.post(
        f"/v1/units/{unit['unit_id']}/reject", json={"reason": "不是实践单位"}, headers=coordinator
    )
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert r.json()["reject_reason"] == "不是实践单位"
    events = await topic_events(world.settings, "placement.units.v1", at_least=2)
    assert events[-1]["type"] == "placement.unit.registration-rejected.v1"
    assert events[-1]["data"]["reason"] == "不是实践单位"
    # The phone may register again, or sign in as a student.
    assert (
        await c.post("/v1/unit-registrations/codes", json={"contact_phone": phone})
    ).status_code == 202
    audit = (await c.get("/v1/audit", headers=coordinator)).json()["items"]
    assert ("unit.reject", unit["unit_id"]) in {(a["action"], a["subject"]) for a in audit}


async def test_registration_refusals_name_the_field(world: World) -> None:
    c = world.client
    phone = new_phone()
    sent = await c.post("/v1/unit-registrations/codes", json={"contact_phone": phone})
    code = sent.json()["dev_code"]
    wrong = "000000" if code != "000000" else "111111"

    async def refused(body: dict[str, Any]) -> tuple[int, list[Any]]:
        r = await c.post("/v1/unit-registrations", json=body)
        return r.status_code, r.json()["detail"][0]["loc"]

    assert await refused({**registration(phone), "code": wrong}) == (401, ["body", "code"])
    assert await refused({**registration(phone, county="999999"), "code": code}) == (
        422,
        ["body", "county"],
    )
    assert await refused({**registration(phone, township="140322100"), "code": code}) == (
        422,
        ["body", "township"],
    )
    assert await refused({**registration(phone, unit_type="公司"), "code": code}) == (
        422,
        ["body", "unit_type"],
    )
    assert (await refused({**registration(phone)}))[1] == ["body", "code"]
    # The right code still works after one wrong attempt; a used code does not.
    ok = await c.post("/v1/unit-registrations", json={**registration(phone), "code": code})
    assert ok.status_code == 202, ok.text
    again = await c.post("/v1/unit-registrations", json={**registration(phone), "code": code})
    assert (again.status_code, again.json()["detail"][0]["loc"]) == (409, ["body", "contact_phone"])
    taken = await c.post(
        "/v1/unit-registrations/codes", json={"contact_phone": "13800000000"}
    )  # the coordinator's phone
    assert (taken.status_code, taken.json()["detail"][0]["loc"]) == (409, ["body", "contact_phone"])


async def test_a_committee_registered_unit_is_active_at_once(world: World) -> None:
    unit_id, headers = await world.unit()
    r = await world.client.get(f"/v1/units/{unit_id}", headers=headers)
    assert r.json()["status"] == "active"


async def test_an_idempotent_retry_replays_the_registration(world: World) -> None:
    c = world.client
    phone = new_phone()
    first = await register(world, phone)
    body = {**registration(phone), "code": "123456"}
    r = await c.post("/v1/unit-registrations", json=body, headers={"Idempotency-Key": "reg-1"})
    assert r.status_code == 202 and r.headers["Idempotent-Replayed"] == "true"
    assert r.json()["unit_id"] == first["unit_id"]


async def test_a_contact_disabled_while_pending_stays_disabled_after_approval(
    world: World,
) -> None:
    c = world.client
    phone = new_phone()
    unit = await register(world, phone)
    coordinator = await world.coordinator()
    admins = await c.get("/v1/accounts", params={"role": "unit"}, headers=coordinator)
    [admin] = [a for a in admins.json()["items"] if a["unit_id"] == unit["unit_id"]]
    assert admin["active"] is False and admin["disabled_at"] is None  # waiting, not disabled
    enable = await c.post(
        f"/v1/accounts/{admin['account_id']}/enable", json={}, headers=coordinator
    )
    assert enable.status_code == 409  # approve the unit instead
    r = await c.post(
        f"/v1/accounts/{admin['account_id']}/disable", json={"reason": "冒用"}, headers=coordinator
    )
    assert r.status_code == 200
    assert (
        await c.post(f"/v1/units/{unit['unit_id']}/approve", headers=coordinator)
    ).status_code == 200
    code = await c.post("/v1/auth/codes", json={"phone": phone})
    assert code.status_code == 401 and "disabled" in code.json()["detail"][0]["msg"]
