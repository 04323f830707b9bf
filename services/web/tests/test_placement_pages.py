"""Pages on placement's newer features, against the real placement service (in process, its
own database) and the web app on its real database: a student's interviews and booking a slot,
a unit's interview slots, a unit registering itself and the committee deciding, disabling and
enabling accounts, and signing out (the token revoked in placement)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from fanxiang_local.testing import SettingsFactory, eventually, serve_in_process
from fanxiang_web import ui
from fanxiang_web.app import create_app as create_web
from fanxiang_web.settings import WebSettings
from fanxiang_web.ui import BEIJING
from placement_service.app import create_app as create_placement
from placement_service.settings import DEV_COORDINATOR_PHONE, PlacementSettings
from tests.integration.placement.world import SEASON, World

pytestmark = pytest.mark.integration
DEV_CODE = re.compile(r'data-testid="dev-code">(\d{6})<')


@dataclass
class Stack:
    web: FastAPI
    world: World

    def browser(self) -> httpx.AsyncClient:
        """A fresh cookie jar on the web app (one person)."""
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.web), base_url="http://test"
        )

    async def signed_in(self, phone: str) -> httpx.AsyncClient:
        """Signed in through the web's own pages (the code is shown outside production)."""
        client = self.browser()
        page = await client.post("/login/code", data={"phone": phone})
        code = DEV_CODE.search(page.text)
        assert code, page.text
        done = await client.post("/login", data={"phone": phone, "code": code.group(1)})
        assert done.status_code == 303, done.text
        return client


@pytest_asyncio.fixture
async def stack(service_settings: SettingsFactory) -> AsyncIterator[Stack]:
    placement_settings = service_settings(PlacementSettings)
    web = create_web(service_settings(WebSettings))
    async with (
        serve_in_process(create_placement(placement_settings)) as placement,
        serve_in_process(web),
    ):
        web.state.runtime.services._clients["placement"] = placement
        yield Stack(web, World(placement, placement_settings))


def beijing(hours: float) -> str:
    """A ``datetime-local`` value (Beijing time), ``hours`` from now, on the minute."""
    at = (datetime.now(UTC) + timedelta(hours=hours)).astimezone(BEIJING)
    return at.strftime("%Y-%m-%dT%H:%M")


async def phone_of(world: World, headers: dict[str, str]) -> str:
    """The signed-in student's phone (their own profile shows it in full)."""
    me = (await world.client.get("/v1/students/me", headers=headers)).json()
    return str(me["phone"])


async def test_a_unit_publishes_slots_and_students_book_move_and_cancel(stack: Stack) -> None:
    world = stack.world
    await world.season()
    unit_phone = "13611110001"
    body = {
        "name": "城区团区委",
        "unit_type": "党政机关",
        "county": "140302",
        "contact_name": "王老师",
        "contact_phone": unit_phone,
    }
    r = await world.client.post("/v1/units", json=body, headers=await world.coordinator())
    assert r.status_code == 201, r.text
    unit_id, unit_h = r.json()["unit_id"], await world.login(unit_phone)
    post = await world.published_post(unit_id, title="团委办公室助理")
    students = []
    for name in ("李明", "王芳"):
        _, headers = await world.student(name=name)
        r = await world.client.post(
            "/v1/applications", headers=headers, json={"season_id": SEASON, "choices": [post]}
        )
        assert r.status_code == 201, r.text
        students.append(await stack.signed_in(await phone_of(world, headers)))
    li, wang = students
    unit = await stack.signed_in(unit_phone)

    # The unit: the slots page from its posts; a slot without a place or link is refused
    # next to the field; two slots published.
    assert f"/u/posts/{post}/slots" in (await unit.get("/u")).text
    page = await unit.get(f"/u/posts/{post}/slots")
    assert page.status_code == 200 and "还没有发布面试时间" in page.text
    bad = await unit.post(
        f"/u/posts/{post}/slots",
        data={"starts_at": beijing(24), "ends_at": beijing(24.5), "capacity": "1"},
    )
    assert bad.status_code == 422 and 'id="e-place"' in bad.text
    assert "请填写面试地点或线上会议链接" in bad.text
    for hours, place, link in (
        (24, "城区团委 302 会议室", ""),
        (48, "", "https://meeting.example/x"),
    ):
        done = await unit.post(
            f"/u/posts/{post}/slots",
            data={
                "starts_at": beijing(hours),
                "ends_at": beijing(hours + 0.5),
                "place": place,
                "online_url": link,
                "capacity": "1",
            },
        )
        assert done.status_code == 303, done.text
    slots = (await world.client.get(f"/v1/posts/{post}/interview-slots", headers=unit_h)).json()
    first, second = (s["slot_id"] for s in slots)

    # The student: home links the interviews; the page offers both slots; book the first.
    home = await li.get("/s")
    assert 'href="/s/interviews"' in home.text and "有 1 个岗位可以预约面试时间" in home.text
    page = await li.get("/s/interviews")
    assert "团委办公室助理" in page.text and page.text.count('name="slot_id"') == 2
    booked = await li.post(f"/s/interviews/{post}/booking", data={"slot_id": first})
    assert booked.status_code == 303
    page = await li.get("/s/interviews")
    assert "已预约" in page.text and "城区团委 302 会议室" in page.text
    assert "下一场面试" in (await li.get("/s")).text

    # The slot is full: another applicant is told so inline.
    full = await wang.post(f"/s/interviews/{post}/booking", data={"slot_id": first})
    assert full.status_code == 422 and "这个时间已约满" in full.text

    # The unit sees who booked, and cannot delete a booked slot.
    page = await unit.get(f"/u/posts/{post}/slots")
    assert "李明" in page.text and "1 / 1" in page.text
    refused = await unit.post(f"/u/posts/{post}/slots/{first}/delete")
    assert refused.status_code == 422 and "已有学生预约这个时间" in refused.text

    # The student moves to the online slot (a link), then cancels; the unit deletes the first.
    moved = await li.post(f"/s/interviews/{post}/booking", data={"slot_id": second})
    assert moved.status_code == 303
    page = await li.get("/s/interviews")
    assert (
        'href="https://meeting.example/x"' in page.text and 'rel="noopener noreferrer"' in page.text
    )
    assert (await li.post(f"/s/interviews/{post}/cancel")).status_code == 303
    assert "已预约" not in (await li.get("/s/interviews")).text
    assert (await unit.post(f"/u/posts/{post}/slots/{first}/delete")).status_code == 303
    left = (await world.client.get(f"/v1/posts/{post}/interview-slots", headers=unit_h)).json()
    assert [(s["slot_id"], s["booked"]) for s in left] == [(second, 0)]
    for c in (li, wang, unit):
        await c.aclose()


async def test_a_unit_registers_itself_and_the_committee_approves(stack: Stack) -> None:
    world = stack.world
    visitor = stack.browser()
    assert 'href="/register-unit"' in (await visitor.get("/login")).text
    assert (await visitor.get("/register-unit")).status_code == 200
    wrong = await visitor.post("/register-unit/code", data={"contact_phone": "123"})
    assert wrong.status_code == 422 and "请输入 11 位手机号" in wrong.text
    sent = await visitor.post("/register-unit/code", data={"contact_phone": "13712345678"})
    code = DEV_CODE.search(sent.text)
    assert sent.status_code == 200 and code, sent.text
    form = {
        "contact_phone": "13712345678",
        "name": "城区青年创业园",
        "unit_type": "事业单位",
        "county": "140302",
        "contact_name": "周老师",
    }
    towns = await visitor.get("/register-unit/townships", params={"county": "140302"})
    assert 'value="140302001"' in towns.text
    bad_code = "000000" if code.group(1) != "000000" else "111111"
    refused = await visitor.post("/register-unit", data={**form, "code": bad_code})
    assert refused.status_code == 422 and "验证码不正确" in refused.text
    assert 'value="城区青年创业园"' in refused.text  # the form keeps what was typed
    done = await visitor.post("/register-unit", data={**form, "code": code.group(1)})
    assert (done.status_code, done.headers["location"]) == (303, "/register-unit/sent")
    assert "等待审核" in (await visitor.get("/register-unit/sent")).text

    # The committee: the pending unit, a reason needed to reject, then approval.
    boss = await stack.signed_in(DEV_COORDINATOR_PHONE)
    page = await boss.get("/c/units")
    assert "待审核的注册（1）" in page.text and "城区青年创业园" in page.text
    pending = (
        await world.client.get(
            "/v1/units", params={"status": "pending"}, headers=await world.coordinator()
        )
    ).json()["items"]
    unit_id = pending[0]["unit_id"]
    no_reason = await boss.post(f"/c/units/{unit_id}/reject", data={"reason": ""})
    assert no_reason.status_code == 422 and "请填写原因" in no_reason.text
    assert (await boss.post(f"/c/units/{unit_id}/approve")).status_code == 303
    page = await boss.get("/c/units")
    assert "待审核的注册" not in page.text and "城区青年创业园" in page.text

    # The contact signs in as the unit.
    unit = await stack.signed_in("13712345678")
    assert (await unit.get("/u")).status_code == 200

    # The county committee (城区) disables the unit's admin from its units page: the unit's
    # next page sends it to sign in; enabled again, it signs in.
    accounts = (
        await world.client.get(
            "/v1/accounts", params={"role": "unit"}, headers=await world.coordinator()
        )
    ).json()["items"]
    admin = next(a for a in accounts if a["unit_id"] == unit_id)
    opened = await world.client.post(
        "/v1/accounts",
        json={"phone": "13700000302", "role": "county", "name": "城区团委", "county": "140302"},
        headers=await world.coordinator(),
    )
    assert opened.status_code == 201, opened.text
    committee = await stack.signed_in("13700000302")
    page = await committee.get("/c/units")
    assert f"/c/accounts/{admin['account_id']}/disable" in page.text
    off = await committee.post(
        f"/c/accounts/{admin['account_id']}/disable", data={"reason": "离职", "next": "/c/units"}
    )
    assert (off.status_code, off.headers["location"]) == (303, "/c/units")
    assert "已停用" in (await committee.get("/c/units")).text
    gone = await unit.get("/u")
    assert gone.status_code == 303 and gone.headers["location"].startswith("/login")
    on = await committee.post(
        f"/c/accounts/{admin['account_id']}/enable", data={"next": "/c/units"}
    )
    assert on.status_code == 303

    # Signed in again: the web accepts the session once its copy of placement's access
    # states has the enable (placement.access.v1; until then it sends the unit to sign in).
    async def back_in() -> httpx.AsyncClient | None:
        again = await stack.signed_in("13712345678")
        if (await again.get("/u")).status_code == 200:
            return again
        await again.aclose()
        return None

    unit = await eventually(back_in, what="the enabled unit signing in again")
    for c in (visitor, boss, unit, committee):
        await c.aclose()


async def test_signing_out_revokes_the_token_and_everywhere_ends_every_session(
    stack: Stack,
) -> None:
    world = stack.world
    _, headers = await world.student(name="李明")
    phone = await phone_of(world, headers)
    laptop, mobile = await stack.signed_in(phone), await stack.signed_in(phone)
    async with stack.web.state.runtime.pool.acquire() as conn:
        tokens = [r["token"] for r in await conn.fetch("SELECT token FROM web_session")]
    assert len(tokens) == 2

    # Plain sign-out: this session's token is revoked in placement; the other still works.
    out = await laptop.post("/logout")
    assert out.status_code == 303
    statuses = []
    for token in tokens:
        r = await world.client.get("/v1/students/me", headers={"Authorization": f"Bearer {token}"})
        statuses.append(r.status_code)
    assert sorted(statuses) == [200, 401]
    assert (await mobile.get("/s/profile")).status_code == 200

    # Everywhere: from the account page; every token and every session goes.
    assert "在所有设备上退出" in (await mobile.get("/account")).text
    everywhere = await mobile.post("/account/sign-out-everywhere")
    assert (everywhere.status_code, everywhere.headers["location"]) == (303, "/login")
    again = await stack.signed_in(phone)  # a new sign-in works
    assert (await again.get("/s")).status_code == 200
    for token in tokens:
        r = await world.client.get("/v1/students/me", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401
    async with stack.web.state.runtime.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM web_session") == 1
    for c in (laptop, mobile, again):
        await c.aclose()


async def test_an_upload_past_its_limit_is_refused_with_a_page_while_it_streams(
    stack: Stack,
) -> None:
    """A unit's spreadsheet over placement's 5 MB: a 413 page, before anything is spooled or
    anyone asked to sign in (the size is known from Content-Length)."""
    browser = stack.browser()
    huge = b"a,b\n" * (2 * 1024 * 1024)  # 8 MB
    r = await browser.post("/u/import", files={"file": ("posts.csv", huge, "text/csv")})
    assert r.status_code == 413, r.text
    assert "文件过大" in r.text and "<html" in r.text
    english = await browser.post(
        "/u/import",
        files={"file": ("posts.csv", huge, "text/csv")},
        headers={"Cookie": f"{ui.LANG_COOKIE}=en"},
    )
    assert "larger than the limit" in english.text
    await browser.aclose()
