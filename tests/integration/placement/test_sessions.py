"""Disabling accounts and signing out: placement refuses the tokens at once."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from fanxiang_common.auth import Role
from fanxiang_local.testing import bearer
from tests.integration.placement.world import World, new_phone

pytestmark = pytest.mark.integration


def _refusal(r: object) -> tuple[int, str]:
    return r.status_code, r.json()["detail"][0]["type"]  # type: ignore[attr-defined]


async def test_a_committee_disables_its_units_admin_and_the_live_token_stops(
    world: World,
) -> None:
    c = world.client
    coordinator = await world.coordinator()
    chengqu = await world.county("140302")
    yuxian = await world.county("140322")
    unit_id, unit_h = await world.unit()
    admin = (await c.get("/v1/accounts", params={"role": "unit"}, headers=coordinator)).json()
    [account] = [a for a in admin["items"] if a["unit_id"] == unit_id]
    path = f"/v1/accounts/{account['account_id']}"
    assert (await c.get(f"/v1/units/{unit_id}", headers=unit_h)).status_code == 200
    # A committee lists the admins of the units it manages, to disable or enable them.
    listed = {
        name: {a["account_id"] for a in (await c.get("/v1/accounts", headers=h)).json()["items"]}
        for name, h in (("chengqu", chengqu), ("yuxian", yuxian))
    }
    assert account["account_id"] in listed["chengqu"]
    assert account["account_id"] not in listed["yuxian"]
    assert all(
        a["role"] == "unit" for a in (await c.get("/v1/accounts", headers=chengqu)).json()["items"]
    )

    other = await c.post(f"{path}/disable", json={}, headers=yuxian)
    assert (other.status_code, other.json()["detail"][0]["loc"]) == (403, ["path", "account_id"])
    r = await c.post(f"{path}/disable", json={"reason": "联系人离职"}, headers=chengqu)
    assert r.status_code == 200, r.text
    assert r.json()["active"] is False and r.json()["disabled_reason"] == "联系人离职"

    assert _refusal(await c.get(f"/v1/units/{unit_id}", headers=unit_h)) == (
        401,
        "token_account_disabled",
    )
    phone = (await c.post("/v1/auth/codes", json={"phone": "13900000000"})).status_code
    assert phone == 202  # (an unrelated phone still gets a code)
    audit = (await c.get("/v1/audit", headers=coordinator)).json()["items"]
    assert [a["action"] for a in audit if a["subject"] == account["account_id"]] == [
        "account.disable"
    ]

    r = await c.post(f"{path}/enable", json={}, headers=chengqu)
    assert r.status_code == 200 and r.json()["active"] is True
    assert (await c.get(f"/v1/units/{unit_id}", headers=unit_h)).status_code == 200


async def test_a_disabled_student_cannot_sign_in_and_is_re_enabled(world: World) -> None:
    c = world.client
    coordinator = await world.coordinator()
    student_id, student_h = await world.student()
    county = await world.county("140302")
    r = await c.post(f"/v1/accounts/{student_id}/disable", json={}, headers=county)
    assert r.status_code == 403  # a committee manages units' accounts only
    r = await c.post(
        f"/v1/accounts/{student_id}/disable", json={"reason": "x"}, headers=coordinator
    )
    assert r.status_code == 200, r.text
    assert _refusal(await c.get("/v1/students/me", headers=student_h)) == (
        401,
        "token_account_disabled",
    )
    # Signing in is refused, naming the phone.
    account_phone = await _sql(world, "SELECT phone FROM account WHERE account_id = $1", student_id)
    code = await c.post("/v1/auth/codes", json={"phone": account_phone})
    assert code.status_code == 401 and code.json()["detail"][0]["loc"] == ["body", "phone"]
    assert "disabled" in code.json()["detail"][0]["msg"]

    assert (
        await c.post(f"/v1/accounts/{student_id}/enable", json={}, headers=coordinator)
    ).status_code == 200
    assert (await c.get("/v1/students/me", headers=student_h)).status_code == 200
    assert (await _second_login(world, account_phone))["Authorization"].startswith("Bearer ")

    self_disable = await c.post("/v1/accounts/A-coordinator/disable", json={}, headers=coordinator)
    assert (self_disable.status_code, self_disable.json()["detail"][0]["loc"]) == (
        422,
        ["path", "account_id"],
    )
    missing = await c.post("/v1/accounts/A-nobody/disable", json={}, headers=coordinator)
    assert missing.status_code == 404


async def _sql(world: World, sql: str, *args: object) -> str:
    conn = await asyncpg.connect(world.settings.database_url)
    try:
        return str(await conn.fetchval(sql, *args))
    finally:
        await conn.close()


async def _second_login(world: World, phone: str) -> dict[str, str]:
    """Sign in again at once (the one-minute resend limit moved out of the way)."""
    await _sql(
        world,
        "UPDATE one_time_code SET sent_at = sent_at - interval '2 minutes'"
        " FROM account WHERE account.account_id = one_time_code.account_id AND phone = $1",
        phone,
    )
    return await world.login(phone)


async def test_sign_out_revokes_that_token_only(world: World) -> None:
    c = world.client
    phone = new_phone()
    first = await world.login(phone)
    second = await _second_login(world, phone)
    r = await c.post("/v1/auth/sign-out", headers=first)
    assert r.status_code == 200 and r.json()["revoked"] == 1
    assert _refusal(await c.get("/v1/applications/mine", headers=first)) == (401, "token_revoked")
    assert (await c.get("/v1/applications/mine", headers=second)).status_code == 200


async def test_sign_out_everywhere_revokes_every_earlier_token(world: World) -> None:
    c = world.client
    phone = new_phone()
    first = await world.login(phone)
    second = await _second_login(world, phone)
    r = await c.post("/v1/auth/sign-out-everywhere", headers=second)
    assert r.status_code == 200 and r.json()["revoked"] == 2
    for headers in (first, second):
        assert _refusal(await c.get("/v1/applications/mine", headers=headers)) == (
            401,
            "token_revoked",
        )
    third = await _second_login(world, phone)  # a new sign-in works at once
    assert (await c.get("/v1/applications/mine", headers=third)).status_code == 200


async def test_tokens_placement_did_not_record_follow_sign_out_everywhere(world: World) -> None:
    c = world.client
    phone = new_phone()
    recorded = await world.login(phone)
    subject = await _sql(world, "SELECT account_id FROM account WHERE phone = $1", phone)
    minted = bearer(Role.STUDENT, subject=subject)  # e.g. issued before tokens were recorded
    assert (await c.get("/v1/applications/mine", headers=minted)).status_code == 200
    await asyncio.sleep(1.1)  # JWT times are whole seconds
    assert (await c.post("/v1/auth/sign-out-everywhere", headers=recorded)).status_code == 200
    assert _refusal(await c.get("/v1/applications/mine", headers=minted)) == (
        401,
        "token_revoked",
    )
    # A unit's system revokes its API token instead of signing out.
    unit_id, unit_h = await world.unit()
    api = await c.post(f"/v1/units/{unit_id}/api-tokens", json={"label": "OA"}, headers=unit_h)
    system = await c.post("/v1/auth/unit-tokens", json={"api_token": api.json()["api_token"]})
    system_h = {"Authorization": f"Bearer {system.json()['access_token']}"}
    assert (await c.post("/v1/auth/sign-out", headers=system_h)).status_code == 403


async def test_the_busiest_endpoint_checks_the_token_in_its_own_query(world: World) -> None:
    """POST /v1/applications checks revocation inside its transaction (no separate query):
    a disabled student's token is refused there too, even for a retry of a stored response."""
    c = world.client
    coordinator = await world.coordinator()
    await world.season()
    unit_id, _ = await world.unit()
    post = await world.published_post(unit_id)
    student_id, headers = await world.student()
    body = {"season_id": "2026-summer", "choices": [post]}
    first = await c.post("/v1/applications", json=body, headers={**headers, "Idempotency-Key": "k"})
    assert first.status_code == 201, first.text
    r = await c.post(f"/v1/accounts/{student_id}/disable", json={}, headers=coordinator)
    assert r.status_code == 200
    retry = await c.post("/v1/applications", json=body, headers={**headers, "Idempotency-Key": "k"})
    assert _refusal(retry) == (401, "token_account_disabled")
    assert _refusal(await c.post("/v1/applications", json=body, headers=headers)) == (
        401,
        "token_account_disabled",
    )
    await c.post(f"/v1/accounts/{student_id}/enable", json={}, headers=coordinator)
    assert (await c.post("/v1/auth/sign-out", headers=headers)).status_code == 200
    assert _refusal(await c.post("/v1/applications", json=body, headers=headers)) == (
        401,
        "token_revoked",
    )
    unit_h = await world.county()
    wrong_role = await c.post("/v1/applications", json=body, headers=unit_h)
    assert wrong_role.status_code == 403
