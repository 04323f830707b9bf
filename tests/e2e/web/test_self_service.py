"""What people do for themselves: a student books an interview slot the unit published and
sees it on their interviews page; a unit registers itself on the public page and the county
committee approves it, after which its contact signs in as the unit."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.web.conftest import Pages, shot
from tests.e2e.web.harness import Stack
from tests.e2e.web.seed import Seeded, login, student_profile
from tests.e2e.web.test_student import sign_in

pytestmark = pytest.mark.e2e
BEIJING = ZoneInfo("Asia/Shanghai")

STUDENT = "13512340077"  # of 矿区 (no other test's county lists change)
POST = "图书馆数字化助理"  # 矿区图书馆's post (unit 4)


def flash(page: Page, text: str) -> None:
    expect(page.locator(".notice.ok")).to_have_text(text)


def applied(stack: Stack, seeded: Seeded) -> None:
    """The student has a profile, the consent and an application for the post (their own
    flow through the pages is test_student's)."""
    post = next(p for p in seeded.posts if p["title"] == POST)
    with httpx.Client(base_url=stack.placement, timeout=30) as client:
        headers = login(client, STUDENT)
        profile = student_profile("吴小燕", "140303", "140303004")
        assert client.put("/v1/students/me", json=profile, headers=headers).status_code == 200
        consent = {"purpose": "share_with_units", "granted": True, "version": "2026.1"}
        r = client.post("/v1/students/me/consents", json=consent, headers=headers)
        assert r.status_code < 300, r.text
        body = {"season_id": seeded.season_id, "choices": [post["post_id"]]}
        r = client.post("/v1/applications", json=body, headers=headers)
        assert r.status_code == 201, r.text


def test_a_student_books_an_interview_slot_the_unit_published(
    pages: Pages, stack: Stack, seeded: Seeded
) -> None:
    applied(stack, seeded)
    # Two days on, 10:00–10:30 Beijing time (the form takes Beijing time).
    day = (datetime.now(BEIJING) + timedelta(days=2)).strftime("%Y-%m-%d")

    # The unit publishes a slot from its posts page.
    unit = pages.desktop()
    sign_in(unit, stack.web, seeded.unit_phones[4], start="/u")
    unit.get_by_role("link", name=f"面试时间：{POST}").click()
    expect(unit.get_by_role("heading", level=1)).to_have_text("面试时间")
    unit.get_by_label("开始时间").fill(f"{day}T10:00")
    unit.get_by_label("结束时间").fill(f"{day}T10:30")
    unit.get_by_role("button", name="发布").click()
    expect(unit.locator("#e-place")).to_be_visible()  # neither a place nor a link: refused
    unit.get_by_label("面试地点").fill("矿区图书馆三楼会议室")
    unit.get_by_role("spinbutton", name="可预约人数").fill("2")
    unit.get_by_role("button", name="发布").click()
    flash(unit, "面试时间已发布")
    row = unit.get_by_role("row", name=re.compile("矿区图书馆三楼会议室"))
    expect(row).to_contain_text(f"{day} 10:00–10:30")
    expect(row).to_contain_text("0 / 2")

    # The student, on the phone: home says there is a time to book; the interviews page.
    phone = pages.phone()
    sign_in(phone, stack.web, STUDENT)
    expect(phone).to_have_url(stack.web + "/s")
    expect(phone.get_by_text("有 1 个岗位可以预约面试时间。")).to_be_visible()
    phone.get_by_role("link", name="预约面试").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("我的面试")
    card = phone.locator("article.interview", has_text=POST)
    expect(card.get_by_role("radio")).to_have_count(1)
    shot(phone, "student-interviews-open-375")
    card.get_by_role("button", name=f"预约面试：{POST}").click()
    flash(phone, "面试已预约")
    card = phone.locator("article.interview", has_text=POST)
    expect(card.get_by_test_id("interview-at")).to_have_text(f"{day} 10:00–10:30")
    expect(card).to_contain_text("矿区图书馆三楼会议室")
    expect(card).to_contain_text("已预约")
    shot(phone, "student-interviews-booked-375")

    # Home and the progress bar lead to it.
    phone.get_by_role("navigation", name="主导航").get_by_role("link", name="首页").click()
    expect(phone.locator(".next-interview")).to_contain_text(f"{day} 10:00")
    step = phone.get_by_role("list", name="我的进度").get_by_role("link", name="面试")
    expect(step).to_have_attribute("href", "/s/interviews")
    shot(phone, "student-home-interview-375")
    step.click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("我的面试")

    # The unit sees who booked.
    unit.reload()
    row = unit.get_by_role("row", name=re.compile("矿区图书馆三楼会议室"))
    expect(row).to_contain_text("吴小燕")
    expect(row).to_contain_text("1 / 2")
    shot(unit, "unit-interview-slots-1280")


def test_a_unit_registers_itself_and_the_committee_approves(
    pages: Pages, stack: Stack, seeded: Seeded
) -> None:
    contact = "13612340099"
    page = pages.phone()
    page.goto(stack.web + "/login")
    page.get_by_role("link", name="实践单位注册").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("实践单位注册")
    page.get_by_label("联系人手机号").fill(contact)
    page.get_by_role("button", name="获取验证码").click()
    code = page.get_by_test_id("dev-code").inner_text()
    page.get_by_label("验证码").fill(code)
    page.get_by_role("textbox", name="单位名称").fill("北大街社区居委会")
    page.get_by_role("combobox", name="单位类型").select_option("社区/村")
    page.get_by_role("combobox", name="县区").select_option("140302")
    expect(page.locator("#f-township option", has_text="北大街街道")).to_be_attached()
    page.get_by_role("combobox", name="乡镇（街道）").select_option(label="北大街街道")
    page.get_by_role("textbox", name="联系人", exact=True).fill("郑主任")
    shot(page, "register-unit-form-375")
    page.get_by_role("button", name="提交注册").click()
    expect(page.get_by_role("heading", name="已提交，等待审核")).to_be_visible()
    shot(page, "register-unit-sent-375")

    # Until approved the contact cannot sign in.
    page.goto(stack.web + "/login")
    page.get_by_label("手机号").fill(contact)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.locator("#e-phone")).to_have_text("这个账户已停用，或单位注册正在等待审核")

    # The county committee approves it on its units page.
    county = pages.desktop()
    sign_in(county, stack.web, seeded.county_phone, start="/c/units")
    pending = county.locator(".pending-units")
    expect(pending.get_by_role("heading")).to_have_text("待审核的注册（1）")
    expect(pending).to_contain_text("北大街社区居委会")
    shot(county, "county-units-pending-1280")
    county.get_by_role("button", name="通过：北大街社区居委会").click()
    flash(county, "已通过登记，单位联系人现在可以登录")
    expect(county.locator(".pending-units")).to_have_count(0)
    expect(county.get_by_role("row", name=re.compile("北大街社区居委会"))).to_be_visible()

    # The contact signs in as the unit.
    unit = pages.desktop()
    sign_in(unit, stack.web, contact, start="/u")
    expect(unit).to_have_url(stack.web + "/u")
    expect(unit.get_by_role("heading", name="我的岗位")).to_be_visible()

    # From the account page (the header's role and phone link to it): sign out everywhere.
    unit.get_by_role("link", name=re.compile("实践单位 · 136")).click()
    expect(unit.get_by_role("heading", name="我的账户")).to_be_visible()
    unit.get_by_role("button", name="在所有设备上退出").click()
    expect(unit).to_have_url(stack.web + "/login")
    flash(unit, "已在所有设备上退出登录")
