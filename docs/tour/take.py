"""Screenshots of the demo season for the README's tour, taken in headless Chromium.

    make run                                  # the stack with the demo season loaded
    .venv/bin/python docs/tour/take.py        # rewrites docs/tour/*.png

Signs in through the web front end as each of the demo's people (the development sign-in shows
the one-time code on the page, as the browser tests use it) and photographs the main pages at
phone width for the student and desktop width for everyone else. Uses Debian's chromium
(`FANXIANG_CHROMIUM` to point elsewhere); no browser is downloaded.
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright

OUT = Path(__file__).parent
CHROMIUM = os.environ.get("FANXIANG_CHROMIUM", "/usr/bin/chromium")
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 860}}
# The demo's people (docs/demo.md).
COORDINATOR, COMMITTEE, UNIT, STUDENT = "13800000000", "13700000321", "13600000003", "13500000001"


def sign_in(page: Page, web: str, phone: str) -> None:
    page.goto(f"{web}/login")
    page.get_by_label("手机号").fill(phone)
    page.get_by_role("button", name="获取验证码").click()
    code = page.get_by_test_id("dev-code").inner_text()
    page.get_by_label("验证码").fill(code)
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_load_state("networkidle")


def shoot(page: Page, web: str, path: str, name: str, *, full: bool = False) -> None:
    page.goto(web + path)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(600)  # charts finish their entry animation
    page.screenshot(
        path=str(OUT / f"{name}.png"),
        full_page=full,
        style=".tabbar, .topbar { position: static !important; }",
    )
    print(f"  {name}.png  ({path})")


def first_link(page: Page, web: str, path: str, pattern: str) -> str:
    page.goto(web + path)
    href = page.locator(f"a[href*='{pattern}']").first.get_attribute("href")
    if href is None:
        raise SystemExit(f"no link matching {pattern!r} on {path}: is the demo loaded?")
    return re.sub(r"^https?://[^/]+", "", href)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--web", default="http://127.0.0.1:8000")
    web = parser.parse_args().web
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])

        def person(phone: str, options: dict[str, Any]) -> Page:
            context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **options)
            page = context.new_page()
            sign_in(page, web, phone)
            return page

        student = person(STUDENT, PHONE)
        shoot(student, web, "/s", "student-home")
        shoot(student, web, "/s/posts", "student-posts")
        shoot(student, web, "/s/choices", "student-choices")

        unit = person(UNIT, DESKTOP)
        shoot(unit, web, "/u", "unit-posts")
        shoot(unit, web, first_link(unit, web, "/u", "/applicants"), "unit-applicants")

        committee = person(COMMITTEE, DESKTOP)
        shoot(committee, web, "/c", "county-approvals")
        shoot(committee, web, "/c/figures", "county-figures", full=True)

        coordinator = person(COORDINATOR, DESKTOP)
        shoot(coordinator, web, "/city", "city-dashboard", full=True)
        shoot(
            coordinator,
            web,
            first_link(coordinator, web, "/city/match", "/city/match/rounds/"),
            "city-round",
        )
        shoot(coordinator, web, "/city/survey/analysis", "city-survey-analysis")
        browser.close()


if __name__ == "__main__":
    main()
