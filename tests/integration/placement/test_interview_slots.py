"""Interview slots: the unit publishes them, applicants book, move and cancel before the
start, the unit sees the bookings, and notify hears of each booking."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.integration.placement.world import World, topic_events

pytestmark = pytest.mark.integration


def slot_body(hours: float = 24, **overrides: Any) -> dict[str, Any]:
    start = datetime.now(UTC) + timedelta(hours=hours)
    body = {
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(minutes=30)).isoformat(),
        "place": "城区团委 302 会议室",
        "capacity": 1,
    }
    return {**body, **overrides}


async def setup(world: World) -> dict[str, Any]:
    c = world.client
    await world.season()
    unit_id, unit_h = await world.unit()
    post = await world.published_post(unit_id)
    apps = {}
    for name in ("李明", "王芳", "张伟"):
        sid, headers = await world.student(name=name)
        r = await c.post(
            "/v1/applications",
            headers=headers,
            json={"season_id": "2026-summer", "choices": [post]},
        )
        assert r.status_code == 201, r.text
        apps[name] = (sid, headers, r.json()["application_id"])
    return {"post": post, "unit_h": unit_h, "apps": apps, "unit_id": unit_id}


async def test_applicants_book_move_and_cancel_and_the_unit_sees_bookings(world: World) -> None:
    c = world.client
    w = await setup(world)
    post, unit_h = w["post"], w["unit_h"]
    base = f"/v1/posts/{post}"
    a = await c.post(f"{base}/interview-slots", json=slot_body(24), headers=unit_h)
    assert a.status_code == 201, a.text
    b = await c.post(
        f"{base}/interview-slots",
        json=slot_body(48, place=None, online_url="https://meeting.example/abc", capacity=2),
        headers=unit_h,
    )
    assert b.status_code == 201, b.text
    slot_a, slot_b = a.json()["slot_id"], b.json()["slot_id"]

    _, li_h, li_app = w["apps"]["李明"]
    _, wang_h, _ = w["apps"]["王芳"]
    r = await c.put(f"{base}/interview-booking", json={"slot_id": slot_a}, headers=li_h)
    assert r.status_code == 200, r.text
    assert r.json()["slot_id"] == slot_a and r.json()["place"] == "城区团委 302 会议室"
    full = await c.put(f"{base}/interview-booking", json={"slot_id": slot_a}, headers=wang_h)
    assert (full.status_code, full.json()["detail"][0]["loc"]) == (409, ["body", "slot_id"])
    assert full.json()["detail"][0]["type"] == "slot_full"

    # 李明 moves to the online slot; slot A is free again and 王芳 takes it.
    moved = await c.put(f"{base}/interview-booking", json={"slot_id": slot_b}, headers=li_h)
    assert moved.status_code == 200 and moved.json()["online_url"] == "https://meeting.example/abc"
    r = await c.put(f"{base}/interview-booking", json={"slot_id": slot_a}, headers=wang_h)
    assert r.status_code == 200, r.text

    seen = (await c.get(f"{base}/interview-slots", headers=unit_h)).json()
    assert [(s["booked"], s["free"]) for s in seen] == [(1, 0), (1, 1)]
    assert [[x["name"] for x in s["bookings"]] for s in seen] == [["王芳"], ["李明"]]
    mine = (await c.get(f"{base}/interview-slots", headers=li_h)).json()
    assert [(s["mine"], s["bookings"]) for s in mine] == [(False, None), (True, None)]

    # The applicant list shows the booked time and place.
    applicants = (await c.get(f"{base}/applicants", headers=unit_h)).json()["items"]
    li = next(x for x in applicants if x["application_id"] == li_app)
    assert li["place"] == "https://meeting.example/abc"

    assert (await c.delete(f"{base}/interview-booking", headers=li_h)).status_code == 204
    again = await c.delete(f"{base}/interview-booking", headers=li_h)
    assert (again.status_code, again.json()["detail"][0]["loc"]) == (404, ["path", "post_id"])
    seen = (await c.get(f"{base}/interview-slots", headers=unit_h)).json()
    assert [s["booked"] for s in seen] == [1, 0]
    # A booked slot stays; an empty one may go.
    assert (await c.delete(f"{base}/interview-slots/{slot_a}", headers=unit_h)).status_code == 409
    assert (await c.delete(f"{base}/interview-slots/{slot_b}", headers=unit_h)).status_code == 204

    events = await topic_events(world.settings, "placement.applications.v1", at_least=7)
    interview = [
        (e["type"].rsplit(".", 2)[-2], e["data"].get("place"))
        for e in events
        if "interview" in e["type"] and e["data"]["application_id"] == li_app
    ]
    assert interview == [
        ("interview-scheduled", "城区团委 302 会议室"),
        ("interview-scheduled", "https://meeting.example/abc"),
        ("interview-cancelled", None),
    ]


async def test_who_may_book_and_when(world: World) -> None:
    c = world.client
    w = await setup(world)
    post, unit_h = w["post"], w["unit_h"]
    base = f"/v1/posts/{post}"
    soon = await c.post(f"{base}/interview-slots", json=slot_body(1 / 1800), headers=unit_h)
    assert soon.status_code == 201, soon.text  # starts in two seconds
    _, li_h, _ = w["apps"]["李明"]
    r = await c.put(
        f"{base}/interview-booking", json={"slot_id": soon.json()["slot_id"]}, headers=li_h
    )
    assert r.status_code == 200, r.text
    await asyncio.sleep(2.5)
    late = await c.delete(f"{base}/interview-booking", headers=li_h)
    assert (late.status_code, late.json()["detail"][0]["type"]) == (409, "slot_started")
    later = await c.post(f"{base}/interview-slots", json=slot_body(30), headers=unit_h)
    moved = await c.put(
        f"{base}/interview-booking", json={"slot_id": later.json()["slot_id"]}, headers=li_h
    )
    assert (moved.status_code, moved.json()["detail"][0]["loc"]) == (409, ["path", "post_id"])
    _, wang_h, _ = w["apps"]["王芳"]
    started = await c.put(
        f"{base}/interview-booking", json={"slot_id": soon.json()["slot_id"]}, headers=wang_h
    )
    assert (started.status_code, started.json()["detail"][0]["loc"]) == (409, ["body", "slot_id"])

    # A student who did not apply to the post, and an unknown slot.
    _, other_h = await world.student(name="别人")
    r = await c.put(
        f"{base}/interview-booking", json={"slot_id": later.json()["slot_id"]}, headers=other_h
    )
    assert r.status_code == 403
    assert (await c.get(f"{base}/interview-slots", headers=other_h)).status_code == 403
    r = await c.put(f"{base}/interview-booking", json={"slot_id": "IS-nope"}, headers=wang_h)
    assert (r.status_code, r.json()["detail"][0]["loc"]) == (404, ["body", "slot_id"])


async def test_slot_refusals_name_the_field(world: World) -> None:
    c = world.client
    w = await setup(world)
    path = f"/v1/posts/{w['post']}/interview-slots"
    start = datetime.now(UTC) + timedelta(days=1)

    async def refused(body: dict[str, Any]) -> tuple[int, list[Any]]:
        r = await c.post(path, json=body, headers=w["unit_h"])
        return r.status_code, r.json()["detail"][0]["loc"]

    assert await refused(slot_body(-1)) == (422, ["body", "starts_at"])
    assert await refused(slot_body(ends_at=start.isoformat())) == (422, ["body", "ends_at"])
    assert await refused(slot_body(24 * 30)) == (422, ["body", "ends_at"])  # after the window
    assert await refused(slot_body(place=None)) == (422, ["body", "place"])
    assert await refused(slot_body(online_url="ftp://x")) == (422, ["body", "online_url"])
    assert await refused(slot_body(capacity=0)) == (422, ["body", "capacity"])
    assert await refused(slot_body(starts_at="2026-07-01T09:00:00")) == (422, ["body", "starts_at"])
    long = slot_body(ends_at=(start + timedelta(hours=9)).isoformat(), starts_at=start.isoformat())
    assert await refused(long) == (422, ["body", "ends_at"])
    _, other_unit_h = await world.unit(name="别的单位")
    r = await c.post(path, json=slot_body(), headers=other_unit_h)
    assert r.status_code == 403


async def test_students_see_their_interviews_and_the_slots_they_could_book(world: World) -> None:
    c = world.client
    await world.season()
    unit_id, unit_h = await world.unit()
    first = await world.published_post(unit_id)
    second = await world.published_post(unit_id, title="第二个岗位")
    _, li_h = await world.student(name="李明")
    _, wang_h = await world.student(name="王芳")
    r = await c.post(
        "/v1/applications",
        headers=li_h,
        json={"season_id": "2026-summer", "choices": [first, second]},
    )
    assert r.status_code == 201, r.text
    li_app = r.json()["application_id"]
    r = await c.post(
        "/v1/applications", headers=wang_h, json={"season_id": "2026-summer", "choices": [first]}
    )
    assert r.status_code == 201, r.text
    base = f"/v1/posts/{first}"
    slot_a = (await c.post(f"{base}/interview-slots", json=slot_body(24), headers=unit_h)).json()
    slot_b = (
        await c.post(
            f"{base}/interview-slots",
            json=slot_body(48, place=None, online_url="https://meeting.example/b", capacity=2),
            headers=unit_h,
        )
    ).json()

    async def mine() -> list[dict[str, Any]]:
        r = await c.get("/v1/applications/mine/interviews", headers=li_h)
        assert r.status_code == 200, r.text
        return list(r.json())

    seen = await mine()
    assert [(x["post_id"], x["rank"], x["interview"], x["booking"]) for x in seen] == [
        (first, 1, None, None),
        (second, 2, None, None),
    ]
    assert [s["slot_id"] for s in seen[0]["slots"]] == [slot_a["slot_id"], slot_b["slot_id"]]
    assert seen[0]["slots"][1]["free"] == 2 and seen[1]["slots"] == []

    # 王芳 takes slot A's only place: 李明 no longer sees it; then 李明 books B.
    r = await c.put(
        f"{base}/interview-booking", json={"slot_id": slot_a["slot_id"]}, headers=wang_h
    )
    assert r.status_code == 200, r.text
    assert [s["slot_id"] for s in (await mine())[0]["slots"]] == [slot_b["slot_id"]]
    r = await c.put(f"{base}/interview-booking", json={"slot_id": slot_b["slot_id"]}, headers=li_h)
    assert r.status_code == 200, r.text
    booked = (await mine())[0]
    assert booked["booking"]["slot_id"] == slot_b["slot_id"]
    assert booked["booking"]["online_url"] == "https://meeting.example/b"
    assert booked["interview"]["place"] == "https://meeting.example/b"
    assert booked["slots"] == [] and booked["can_book"] is True

    # The unit sets the second post's interview directly, scores the first and refuses the
    # second: the student sees the time and place, never the score or the reason.
    at = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    applicants = f"/v1/posts/{second}/applicants/{li_app}"
    r = await c.post(
        f"{applicants}/interview", json={"at": at.isoformat(), "place": "单位 1 楼"}, headers=unit_h
    )
    assert r.status_code == 200, r.text
    r = await c.post(
        f"{base}/applicants/{li_app}/score", json={"scores": {"综合": 87.5}}, headers=unit_h
    )
    assert r.status_code == 200, r.text
    r = await c.post(
        f"{applicants}/refuse", json={"reason": "专业不对口的秘密理由"}, headers=unit_h
    )
    assert r.status_code == 200, r.text
    r = await c.get("/v1/applications/mine/interviews", headers=li_h)
    assert "87.5" not in r.text and "秘密理由" not in r.text and "refus" not in r.text
    second_seen = r.json()[1]
    assert second_seen["interview"] == {
        "at": at.isoformat().replace("+00:00", "Z"),
        "place": "单位 1 楼",
    }
    assert (second_seen["can_book"], second_seen["booking"]) == (False, None)

    # Someone with no application has none; the unit is refused.
    _, other_h = await world.student(name="别人")
    assert (await c.get("/v1/applications/mine/interviews", headers=other_h)).json() == []
    r = await c.get("/v1/applications/mine/interviews", headers=unit_h)
    assert r.status_code == 403
