"""The season's League branch (临时团支部) over HTTP on real PostgreSQL, events read back from
Kafka: members derived from placements on post, officers by self-nomination and the
coordinator's approval, activities with sign-up, attendance and figures."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from fanxiang_local.testing import eventually
from tests.integration.placement.test_onboarding import offer, placed
from tests.integration.placement.world import SEASON, World, topic_events

pytestmark = pytest.mark.integration

BRANCH = f"/v1/seasons/{SEASON}/branch"
H = dict[str, str]


async def on_post(world: World, unit: H, county: H, post_id: str, n: int) -> list[tuple[str, H]]:
    """``n`` students taken from offer to 已上岗 through the service's own endpoints."""
    c = world.client
    people = []
    for _ in range(n):
        sid, student = await world.student(name="李明")
        r = await c.post(
            "/v1/applications", headers=student, json={"season_id": SEASON, "choices": [post_id]}
        )
        assert r.status_code == 201, r.text
        await offer(world, sid, post_id)
        [p] = await eventually(lambda h=student: placed(world, h), what="the offer")
        pid = p["placement_id"]
        assert (await c.post(f"/v1/placements/{pid}/accept", headers=student)).status_code == 200
        assert (await c.post(f"/v1/placements/{pid}/training", headers=county)).status_code == 200
        text = (await c.get(f"/v1/placements/{pid}/commitment", headers=student)).json()
        code = (await c.post(f"/v1/placements/{pid}/commitment/code", headers=student)).json()
        r = await c.post(
            f"/v1/placements/{pid}/commitment",
            headers=student,
            json={
                "typed_name": "李明",
                "code": code["dev_code"],
                "text_sha256": text["text_sha256"],
            },
        )
        assert r.status_code == 200, r.text
        r = await c.put(
            f"/v1/placements/{pid}/id-number",
            headers=student,
            json={"id_number": "11010519491231002X"},
        )
        assert r.status_code == 200, r.text
        assert (await c.post(f"/v1/placements/{pid}/fix", headers=county)).status_code == 200
        r = await c.post(f"/v1/placements/{pid}/arrival", headers=unit)
        assert r.json()["status"] == "on_post", r.text
        people.append((sid, student))
    return people


def activity_body(**overrides: Any) -> dict[str, Any]:
    start = datetime.now(UTC) + timedelta(days=2)
    body = {
        "title": "学党史、强信念、跟党走 微党课",
        "kind": "lecture",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(),
        "place": "团市委三楼会议室",
        "capacity": 30,
        "description": "大学生新媒体团队制作的第一期",
    }
    return {**body, **overrides}


async def _started(world: World, activity_id: str) -> None:
    """Move an activity into the past hour (the clock cannot be moved over HTTP)."""
    conn = await asyncpg.connect(world.settings.database_url)
    try:
        await conn.execute(
            "UPDATE branch_activity SET starts_at = now() - interval '1 hour',"
            " ends_at = now() + interval '1 hour' WHERE activity_id = $1",
            activity_id,
        )
    finally:
        await conn.close()


def _err(r: Any) -> tuple[int, list[Any], str]:
    d = r.json()["detail"][0]
    return r.status_code, d["loc"], d["type"]


async def test_a_branch_from_nominations_to_figures(world: World) -> None:
    c = world.client
    await world.season()
    coordinator = await world.coordinator()
    unit_id, unit = await world.unit()
    county = await world.county("140302")
    post_id = await world.published_post(unit_id, capacity=5)
    (a, ha), (b, hb), (cc, hc) = await on_post(world, unit, county, post_id, 3)
    # An offered (not yet on post) student is not a member.
    d, hd = await world.student(name="赵六")
    await c.post("/v1/applications", headers=hd, json={"season_id": SEASON, "choices": [post_id]})
    await offer(world, d, post_id)
    await eventually(lambda: placed(world, hd), what="the offer")

    r = await c.get(BRANCH, headers=ha)
    assert r.status_code == 200, r.text
    assert (r.json()["members"], r.json()["member"], r.json()["organiser"]) == (3, True, False)
    assert (await c.get(BRANCH, headers=hd)).status_code == 403
    assert (await c.get(BRANCH, headers=unit)).status_code == 403
    assert (await c.get("/v1/seasons/nope/branch", headers=coordinator)).status_code == 404

    # Self-nomination: members only, one live nomination each.
    secretary = {"office": "secretary", "statement": "愿为大家服务"}
    r = await c.post(f"{BRANCH}/nominations", headers=hd, json=secretary)
    assert r.status_code == 403
    r = await c.post(f"{BRANCH}/nominations", headers=ha, json=secretary)
    assert r.status_code == 201, r.text
    na = r.json()["nomination_id"]
    assert r.json()["status"] == "pending"
    r = await c.post(f"{BRANCH}/nominations", headers=ha, json={"office": "committee_member"})
    assert _err(r) == (409, ["body", "office"], "already_nominated")
    r = await c.post(f"{BRANCH}/nominations", headers=hb, json={"office": "chairman"})
    assert _err(r)[:2] == (422, ["body", "office"])
    nb = (await c.post(f"{BRANCH}/nominations", headers=hb, json=secretary)).json()
    nc = (
        await c.post(f"{BRANCH}/nominations", headers=hc, json={"office": "committee_member"})
    ).json()

    pending = (
        await c.get(f"{BRANCH}/nominations", params={"status": "pending"}, headers=coordinator)
    ).json()
    assert [n["student_id"] for n in pending] == [a, b, cc]
    mine = (await c.get(f"{BRANCH}/nominations", headers=hb)).json()
    assert [n["nomination_id"] for n in mine] == [nb["nomination_id"]]

    # Not yet an officer: cannot organise.
    assert (
        await c.post(f"{BRANCH}/activities", headers=ha, json=activity_body())
    ).status_code == 403

    # The coordinator decides; one secretary at most.
    decide = f"{BRANCH}/nominations/{{}}/{{}}"
    r = await c.post(decide.format(na, "approve"), headers=ha, json={})
    assert r.status_code == 403
    r = await c.post(decide.format(na, "approve"), headers=coordinator, json={})
    assert r.json()["status"] == "approved", r.text
    r = await c.post(decide.format(na, "approve"), headers=coordinator, json={})
    assert _err(r)[::2] == (409, "invalid_state")
    r = await c.post(decide.format(nb["nomination_id"], "approve"), headers=coordinator, json={})
    assert _err(r) == (409, ["body", "office"], "office_full")
    r = await c.post(decide.format(nb["nomination_id"], "reject"), headers=coordinator, json={})
    assert _err(r)[:2] == (422, ["body", "reason"])
    r = await c.post(
        decide.format(nb["nomination_id"], "reject"),
        headers=coordinator,
        json={"reason": "书记已有人选，欢迎竞任委员"},
    )
    assert r.json()["status"] == "rejected"
    r = await c.post(decide.format(nc["nomination_id"], "approve"), headers=coordinator, json={})
    assert r.json()["status"] == "approved"
    r = await c.post(decide.format("BN-none", "approve"), headers=coordinator, json={})
    assert r.status_code == 404

    branch = (await c.get(BRANCH, headers=ha)).json()  # the same token: the office counts at once
    assert branch["office"] == "secretary" and branch["organiser"]
    assert {(o["student_id"], o["office_name"]) for o in branch["officers"]} == {
        (a, "书记"),
        (cc, "委员"),
    }
    roster = (await c.get(f"{BRANCH}/members", headers=ha)).json()
    assert roster["total"] == 3 and roster["items"][0]["office"] is not None
    assert {m["post_id"] for m in roster["items"]} == {post_id}
    assert (await c.get(f"{BRANCH}/members", headers=hb)).status_code == 403

    # Activities: an officer announces; members sign up before the start.
    r = await c.post(f"{BRANCH}/activities", headers=ha, json=activity_body(capacity=2))
    assert r.status_code == 201, r.text
    lecture = r.json()
    assert (lecture["kind_name"], lecture["free"], lecture["participants"]) == ("讲座", 2, [])
    act = f"{BRANCH}/activities/{lecture['activity_id']}"
    r = await c.post(
        f"{BRANCH}/activities",
        headers=coordinator,
        json=activity_body(title="“中建杯”青年文明号篮球友谊赛", kind="sports", place="市体育馆"),
    )
    game = r.json()
    assert game["kind_name"] == "体育"

    assert (await c.put(f"{act}/signup", headers=hd)).status_code == 403
    assert (await c.put(f"{act}/signup", headers=hb)).json()["mine_signed_up"] is True
    assert (await c.put(f"{act}/signup", headers=hb)).json()["signed_up"] == 1  # no change
    assert (await c.put(f"{act}/signup", headers=hc)).json()["free"] == 0
    assert _err(await c.put(f"{act}/signup", headers=ha))[::2] == (409, "activity_full")
    assert (await c.delete(f"{act}/signup", headers=hb)).status_code == 204
    assert (await c.delete(f"{act}/signup", headers=hb)).status_code == 404
    assert (await c.put(f"{act}/signup", headers=ha)).status_code == 200

    listed = (await c.get(f"{BRANCH}/activities", headers=hb)).json()
    assert [x["activity_id"] for x in listed["items"]] == [
        lecture["activity_id"],
        game["activity_id"],
    ]
    assert all(x["mine_signed_up"] is False and x["attended"] is None for x in listed["items"])
    detail = (await c.get(act, headers=ha)).json()
    assert {p["student_id"] for p in detail["participants"]} == {a, cc}
    assert (await c.get(act, headers=hb)).json()["participants"] is None

    # Attendance: an officer marks it, from an hour before the start.
    mark = {"student_ids": [cc, b]}
    assert _err(await c.post(f"{act}/attendance", headers=ha, json=mark))[::2] == (
        409,
        "attendance_not_open",
    )
    await _started(world, lecture["activity_id"])
    assert (await c.post(f"{act}/attendance", headers=hb, json=mark)).status_code == 403
    r = await c.post(f"{act}/attendance", headers=ha, json={"student_ids": [cc, b, d]})
    assert _err(r)[:2] == (422, ["body", "student_ids", 2])
    r = await c.post(f"{act}/attendance", headers=ha, json=mark)
    assert r.json()["attended"] == 2, r.text
    r = await c.post(f"{act}/attendance", headers=ha, json={**mark, "present": True})
    assert r.json()["attended"] == 2  # marking twice counts once
    assert _err(await c.delete(f"{act}/signup", headers=ha))[::2] == (409, "activity_started")
    assert _err(await c.post(f"{act}/cancel", headers=ha, json={"reason": "雨"}))[::2] == (
        409,
        "activity_started",
    )
    me = (await c.get(act, headers=hb)).json()
    assert (me["mine_signed_up"], me["mine_attended"]) == (False, True)

    # The game is called off; nobody can sign up any more.
    game_path = f"{BRANCH}/activities/{game['activity_id']}"
    assert (await c.put(f"{game_path}/signup", headers=hb)).status_code == 200
    assert (
        await c.post(f"{game_path}/cancel", headers=hb, json={"reason": "x"})
    ).status_code == 403
    r = await c.post(f"{game_path}/cancel", headers=hc, json={"reason": "场馆检修，改期另行通知"})
    assert r.json()["status"] == "cancelled", r.text
    assert _err(await c.put(f"{game_path}/signup", headers=ha))[::2] == (409, "activity_cancelled")

    # C steps down: their powers stop at once, and they may seek an office again.
    nc_path = decide.format(nc["nomination_id"], "end")
    assert (await c.post(nc_path, headers=hb, json={})).status_code == 404
    r = await c.post(nc_path, headers=hc, json={"reason": "学业繁忙"})
    assert r.json()["status"] == "ended", r.text
    assert _err(await c.post(nc_path, headers=coordinator, json={}))[::2] == (409, "invalid_state")
    assert (
        await c.post(f"{game_path}/cancel", headers=hc, json={"reason": "x"})
    ).status_code == 403
    r = await c.post(f"{BRANCH}/nominations", headers=hc, json={"office": "committee_member"})
    assert r.status_code == 201, r.text
    r = await c.post(
        decide.format(r.json()["nomination_id"], "approve"), headers=coordinator, json={}
    )
    assert r.json()["status"] == "approved"

    # Figures: the lecture was held (2 signed up, C came, B walked in).
    assert (await c.get(f"{BRANCH}/figures", headers=hb)).status_code == 403
    assert (await c.get(f"{BRANCH}/figures", headers=county)).status_code == 403
    f = (await c.get(f"{BRANCH}/figures", headers=coordinator)).json()
    assert (f["members"], f["officers"], f["activities"], f["held"]) == (3, 2, 1, 1)
    assert (f["sign_ups"], f["attendances"], f["members_attending"]) == (2, 2, 2)
    assert (f["attendance_rate"], f["participation_rate"]) == (0.5, 0.667)
    assert f["by_kind"]["lecture"] == 1 and f["by_kind"]["sports"] == 0
    held = next(x for x in f["per_activity"] if x["activity_id"] == lecture["activity_id"])
    assert (held["signed_up"], held["attended"], held["walk_ins"]) == (2, 2, 1)

    # Events for notify, on the applications topic, keyed by nomination / activity.
    branch_types = {
        "placement.branch.officer-nominated.v1",
        "placement.branch.officer-decided.v1",
        "placement.branch.activity-announced.v1",
        "placement.branch.activity-cancelled.v1",
        "placement.branch.officer-ended.v1",
    }

    async def branch_events() -> list[dict[str, Any]]:
        seen = await topic_events(world.settings, "placement.applications.v1", at_least=1)
        mine = [e for e in seen if e["type"] in branch_types]
        assert len(mine) >= 12
        return mine

    events = await eventually(branch_events, what="the branch's events")
    by_type: dict[str, list[dict[str, Any]]] = {}
    for e in events:
        by_type.setdefault(e["type"], []).append(e)
    nominated = "placement.branch.officer-nominated.v1"
    assert len(by_type[nominated]) == 4
    [ended] = by_type["placement.branch.officer-ended.v1"]
    assert (ended["data"]["student_id"], ended["data"]["ended_by"]) == (cc, cc)
    assert ended["data"]["reason"] == "学业繁忙"
    decided = {
        e["data"]["student_id"]: (e["data"]["approved"], e["data"]["reason"])
        for e in by_type["placement.branch.officer-decided.v1"]
    }
    assert decided == {a: (True, None), b: (False, "书记已有人选，欢迎竞任委员"), cc: (True, None)}
    names = {e["data"]["student_id"]: e["data"]["office_name"] for e in by_type[nominated]}
    assert names == {a: "书记", b: "书记", cc: "委员"}
    announced = {e["subject"]: e["data"] for e in by_type["placement.branch.activity-announced.v1"]}
    assert set(announced) == {lecture["activity_id"], game["activity_id"]}
    assert announced[lecture["activity_id"]]["organised_by"] == a
    assert announced[lecture["activity_id"]]["capacity"] == 2
    assert announced[lecture["activity_id"]]["kind_name"] == "讲座"
    assert sorted(announced[game["activity_id"]]["member_ids"]) == sorted([a, b, cc])  # not D
    [cancelled] = by_type["placement.branch.activity-cancelled.v1"]
    assert cancelled["subject"] == game["activity_id"]
    assert cancelled["data"]["reason"] == "场馆检修，改期另行通知"
    assert cancelled["data"]["signed_up_ids"] == [b]

    # The last place, wanted by three at once: one gets it, never more than the capacity.
    r = await c.post(f"{BRANCH}/activities", headers=ha, json=activity_body(capacity=1))
    last = f"{BRANCH}/activities/{r.json()['activity_id']}/signup"
    codes = sorted(
        r.status_code for r in await asyncio.gather(*(c.put(last, headers=h) for h in (ha, hb, hc)))
    )
    assert codes == [200, 409, 409]


async def test_activity_input_is_checked_field_by_field(world: World) -> None:
    c = world.client
    await world.season()
    coordinator = await world.coordinator()
    path = f"{BRANCH}/activities"
    past = datetime.now(UTC) - timedelta(hours=1)
    for change, loc in (
        ({"kind": "party"}, ["body", "kind"]),
        ({"capacity": 0}, ["body", "capacity"]),
        ({"title": ""}, ["body", "title"]),
        ({"starts_at": "2026-07-01T09:00:00"}, ["body", "starts_at"]),  # no time zone
        (
            {"starts_at": past.isoformat(), "ends_at": (past + timedelta(hours=2)).isoformat()},
            ["body", "starts_at"],
        ),
        ({"ends_at": datetime.now(UTC).isoformat()}, ["body", "ends_at"]),
        ({"place": "a\x00b"}, ["body", "place"]),
    ):
        r = await c.post(path, headers=coordinator, json=activity_body(**change))
        assert r.status_code == 422, (change, r.text)
        assert r.json()["detail"][0]["loc"][: len(loc)] == loc, (change, r.text)
    r = await c.post(path, headers=coordinator, json={**activity_body(), "extra": 1})
    assert r.status_code == 422
    r = await c.get(f"{path}/BA-missing", headers=coordinator)
    assert r.status_code == 404 and r.json()["detail"][0]["loc"] == ["path", "activity_id"]
    r = await c.post(f"{path}/BA-missing/attendance", headers=coordinator, json={"student_ids": []})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][:2] == ["body", "student_ids"]
    # Idempotent announcement: a retry gets the first activity, not a second one.
    key = {"Idempotency-Key": "activity-1"}
    first = await c.post(path, headers={**coordinator, **key}, json=activity_body())
    again = await c.post(path, headers={**coordinator, **key}, json=activity_body())
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert first.json()["activity_id"] == again.json()["activity_id"]
    assert (await c.get(path, headers=coordinator)).json()["total"] == 1
