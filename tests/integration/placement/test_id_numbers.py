"""ID numbers (居民身份证号) at 定岗: validated, encrypted at rest, masked everywhere, revealed
only by an audited action of the committee or the coordinator."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from fanxiang_local.testing import eventually
from tests.integration.placement.test_onboarding import _signed, offer, placed
from tests.integration.placement.world import World

pytestmark = pytest.mark.integration

ID = "11010519491231002X"
MASKED = "110105********002X"


async def committed(world: World) -> dict[str, Any]:
    """A student whose 承诺书 is signed: the moment the ID number is asked."""
    c = world.client
    await world.season()
    unit_id, unit_h = await world.unit()
    post_id = await world.published_post(unit_id)
    sid, student_h = await world.student(name="李明")
    await c.post(
        "/v1/applications",
        headers=student_h,
        json={"season_id": "2026-summer", "choices": [post_id]},
    )
    await offer(world, sid, post_id)
    [p] = await eventually(lambda: placed(world, student_h), what="the offer")
    pid = p["placement_id"]
    county_h = await world.county("140302")
    assert (await c.post(f"/v1/placements/{pid}/accept", headers=student_h)).status_code == 200
    too_early = await c.put(
        f"/v1/placements/{pid}/id-number", headers=student_h, json={"id_number": ID}
    )
    assert (too_early.status_code, too_early.json()["detail"][0]["type"]) == (409, "invalid_state")
    await c.post(f"/v1/placements/{pid}/training", headers=county_h)
    await _signed(world, pid, student_h)
    return {
        "pid": pid,
        "sid": sid,
        "student": student_h,
        "unit": unit_h,
        "county": county_h,
    }


async def test_the_id_number_is_asked_at_定岗_stored_encrypted_and_masked(world: World) -> None:
    c = world.client
    w = await committed(world)
    pid = w["pid"]
    no_id = await c.post(f"/v1/placements/{pid}/fix", headers=w["county"])
    assert (no_id.status_code, no_id.json()["detail"][0]["loc"]) == (409, ["body", "id_number"])

    r = await c.put(
        f"/v1/placements/{pid}/id-number", headers=w["student"], json={"id_number": ID.lower()}
    )
    assert r.status_code == 200, r.text
    assert r.json()["id_number"] == MASKED
    for who in ("unit", "county", "student"):
        shown = (await c.get(f"/v1/placements/{pid}", headers=w[who])).json()
        assert shown["id_number"] == MASKED, who
    listed = (await c.get("/v1/placements", headers=w["county"])).json()["items"]
    assert [p["id_number"] for p in listed] == [MASKED]
    assert ID not in (await c.get("/v1/placements/mine", headers=w["student"])).text

    # At rest: neither the number nor its digits in clear.
    conn = await asyncpg.connect(world.settings.database_url)
    try:
        row = await conn.fetchrow("SELECT * FROM student_id_number WHERE student_id = $1", w["sid"])
        dump = await conn.fetchval("SELECT string_agg(t::text, '') FROM student_id_number t")
    finally:
        await conn.close()
    assert row is not None and row["masked"] == MASKED
    assert ID.encode() not in bytes(row["ciphertext"]) and "19491231" not in dump

    # The unit may not reveal it; the committee may, with a reason, and it is audited.
    unit = await c.post(
        f"/v1/placements/{pid}/id-number/reveal", headers=w["unit"], json={"reason": "保险"}
    )
    assert unit.status_code == 403
    no_reason = await c.post(f"/v1/placements/{pid}/id-number/reveal", headers=w["county"], json={})
    assert (no_reason.status_code, no_reason.json()["detail"][0]["loc"]) == (
        422,
        ["body", "reason"],
    )
    shown = await c.post(
        f"/v1/placements/{pid}/id-number/reveal", headers=w["county"], json={"reason": "办理保险"}
    )
    assert shown.status_code == 200 and shown.json() == {"student_id": w["sid"], "id_number": ID}
    audit = (await c.get("/v1/audit", headers=await world.coordinator())).json()["items"]
    assert [(a["action"], a["reason"]) for a in audit if a["subject"] == w["sid"]] == [
        ("id_number.reveal", "办理保险")
    ]

    fixed = await c.post(f"/v1/placements/{pid}/fix", headers=w["county"])
    assert fixed.status_code == 200 and fixed.json()["status"] == "fixed"
    # Still correctable while fixed (the committee from a paper form, here).
    again = await c.put(
        f"/v1/placements/{pid}/id-number",
        headers=w["county"],
        json={"id_number": "140302200506121237"},
    )
    assert again.json()["id_number"] == "140302********1237"


WRONG = [
    ("11010519491231002", "18 characters"),
    ("1101051949123100XX", "17 digits"),
    ("110105194913310021", "not a date"),
    ("110105219912310025", "possible"),
    ("110105194912310021", "check digit"),
]


async def test_a_wrong_id_number_is_refused_naming_the_field(world: World) -> None:
    w = await committed(world)
    for number, why in WRONG:
        r = await world.client.put(
            f"/v1/placements/{w['pid']}/id-number", headers=w["student"], json={"id_number": number}
        )
        assert r.status_code == 422, number
        [detail] = r.json()["detail"]
        assert detail["loc"] == ["body", "id_number"] and why in detail["msg"], detail
