"""A student on a phone: signs in with a one-time code, fills in the profile and consents,
finds posts near home, ranks three, reorders them and submits."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.web.conftest import shot
from tests.e2e.web.harness import Stack
from tests.e2e.web.seed import COORDINATOR, Seeded, login

pytestmark = pytest.mark.e2e


def sign_in(page: Page, web: str, phone: str, start: str = "/") -> None:
    page.goto(web + start)
    expect(page).to_have_url(re.compile(r"/login"))
    page.get_by_label("手机号").fill(phone)
    page.get_by_role("button", name="获取验证码").click()
    code = page.get_by_test_id("dev-code").inner_text()
    page.get_by_label("验证码").fill(code)
    page.get_by_role("button", name="登录", exact=True).click()


def test_a_student_signs_in_finds_posts_ranks_three_and_submits(
    phone: Page, stack: Stack, seeded: Seeded
) -> None:
    page = phone
    sign_in(page, stack.web, "13912340001")
    expect(page).to_have_url(stack.web + "/s")
    expect(page.get_by_role("heading", name="我的状态")).to_be_visible()
    shot(page, "student-home-new-375")

    # The session is an HttpOnly, SameSite=Lax cookie that scripts cannot read.
    session = next(c for c in page.context.cookies() if c["name"] == "fx_session")
    assert session["httpOnly"] and session["sameSite"] == "Lax"
    assert "fx_session" not in page.evaluate("document.cookie")

    # Profile: home in 平定县 冠山镇 (the township list follows the county, through htmx).
    page.get_by_role("link", name="完善资料").click()
    page.get_by_role("textbox", name="姓名", exact=True).fill("周晓雨")
    page.get_by_role("textbox", name="学校", exact=True).fill("中国人民大学")
    page.get_by_role("textbox", name="学校所在省份", exact=True).fill("北京")
    page.get_by_role("textbox", name="学校所在城市", exact=True).fill("北京")
    page.get_by_role("combobox", name="年级", exact=True).select_option("大三")
    page.get_by_role("combobox", name="学科门类", exact=True).select_option("文学")
    page.get_by_role("textbox", name="专业", exact=True).fill("新闻学")
    page.get_by_role("combobox", name="政治面貌", exact=True).select_option("共青团员")
    page.get_by_role("combobox", name="家乡县区", exact=True).select_option("140321")
    expect(page.locator("#f-home_township option", has_text="冠山镇")).to_be_attached()
    page.get_by_role("combobox", name="乡镇（街道）", exact=True).select_option("140321100")
    page.get_by_role("button", name="保存资料").click()
    expect(page.get_by_role("status")).to_have_text("个人资料已保存")

    page.get_by_label("同意向报名岗位的实践单位提供我的个人信息").check()
    page.get_by_role("button", name="保存授权").click()
    expect(page.get_by_role("status")).to_have_text("授权已更新")
    expect(page.get_by_label("同意向报名岗位的实践单位提供我的个人信息")).to_be_checked()
    shot(page, "student-profile-375")

    # Posts, nearest first: the post in the student's own township leads the list.
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="岗位").click()
    expect(page.get_by_label("排序")).to_have_value("near")
    cards = page.locator(".post-card")
    expect(cards.first).to_contain_text("融媒体短视频编辑")
    expect(cards.first).to_contain_text("同乡镇")
    shot(page, "student-posts-375")

    # Filters narrow the list in place (htmx) and keep the URL shareable.
    everything = page.locator(".result-count").inner_text()
    page.locator("summary", has_text="筛选").click()
    page.get_by_label("县区").select_option("140322")
    expect(page.locator(".result-count")).to_have_text(re.compile("共 2 个岗位"))
    expect(page).to_have_url(re.compile(r"county=140322"))
    page.get_by_label("县区").select_option("")
    expect(page.locator(".result-count")).to_have_text(everything)

    # Choice 1 from the detail page, two more from the list.
    cards.filter(has_text="融媒体短视频编辑").get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/s/posts/P-"))
    expect(page.get_by_role("heading", level=1)).to_have_text("融媒体短视频编辑")
    page.get_by_role("button", name="加入志愿").click()
    expect(page.locator(".post-cta .badge.chosen")).to_have_text("志愿 1")
    shot(page, "student-post-375")
    page.go_back()
    for title in ("娘子关景区文旅讲解", "新闻采编实习"):
        card = page.locator(".post-card", has_text=title)
        page.get_by_role("button", name=f"加入志愿：{title}").click()
        expect(card.locator(".badge.chosen")).to_be_visible()

    # My choices: three, in the order added; move the third up; submit.
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="志愿").click()
    items = page.locator(".choice .title")
    expect(items).to_have_text(["融媒体短视频编辑", "娘子关景区文旅讲解", "新闻采编实习"])
    page.get_by_role("button", name="上移：新闻采编实习").click()
    expect(items).to_have_text(["融媒体短视频编辑", "新闻采编实习", "娘子关景区文旅讲解"])
    shot(page, "student-choices-375")
    page.get_by_role("button", name="提交志愿").click()
    expect(page.get_by_role("status")).to_have_text("志愿已提交")
    expect(page.locator(".status-line")).to_contain_text("已报名")

    # Placement has the application, in the student's order.
    titles = {p["post_id"]: p["title"] for p in seeded.posts}
    with httpx.Client(base_url=stack.placement) as client:
        apps = client.get(
            "/v1/applications",
            params={"season_id": seeded.season_id, "home_county": "140321"},
            headers=login(client, COORDINATOR),
        ).json()["items"]
    assert [[titles[c["post_id"]] for c in a["choices"]] for a in apps] == [
        ["融媒体短视频编辑", "新闻采编实习", "娘子关景区文旅讲解"]
    ]

    # Home shows the progress: applied, eligibility review next.
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="首页").click()
    expect(page.locator(".step.done")).to_have_count(1)
    expect(page.locator(".step.current")).to_contain_text("资格审核")
    shot(page, "student-home-applied-375")
