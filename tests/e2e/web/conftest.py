"""Browser tests of the web front end: Debian's chromium driven by Playwright (no browser is
downloaded), against placement and the web app served on 127.0.0.1 (see harness.py).

Every page is watched: console errors and uncaught exceptions fail the test, and any request
for a host other than 127.0.0.1 is aborted and fails the test too."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    Route,
    sync_playwright,
)

from tests.e2e.web.harness import Stack, running_stack
from tests.e2e.web.seed import Seeded, seed

CHROMIUM = os.environ.get("FANXIANG_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[3]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}


# Package scope: everything here ends with this folder's tests. Playwright's sync API keeps an
# event loop running in the main thread while it is started, which the async tests that run
# after these (pytest-asyncio) could not share.
@pytest.fixture(scope="package")
def stack(postgres_server_url: str, kafka_bootstrap: str) -> Iterator[Stack]:
    with running_stack(postgres_server_url, kafka_bootstrap) as s:
        yield s


@pytest.fixture(scope="package")
def seeded(stack: Stack) -> Seeded:
    return seed(stack.placement)


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    yield browser
    browser.close()


class Watch:
    """What a browser context did that it should not: console errors, page errors, requests
    for hosts other than 127.0.0.1 (aborted)."""

    def __init__(self) -> None:
        self.console: list[str] = []
        self.outside: list[str] = []
        self.allowed: list[str] = []

    def allow(self, url: str) -> None:
        """A page the test opens on purpose to get an error status (Chromium logs it)."""
        self.allowed.append(url)

    def route(self, route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort("blockedbyclient")

    def attach(self, page: Page) -> None:
        def console(msg: ConsoleMessage) -> None:
            where = str(msg.location.get("url", ""))
            if msg.type == "error" and not any(where.endswith(a) for a in self.allowed):
                self.console.append(f"{msg.text} @ {where}")

        page.on("console", console)
        page.on("pageerror", lambda exc: self.console.append(f"page error: {exc}"))

    def check(self) -> None:
        assert not self.outside, f"requests left 127.0.0.1: {self.outside}"
        assert not self.console, f"console errors: {self.console}"


def _context(browser: Browser, watch: Watch, **options: object) -> BrowserContext:
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", service_workers="block", **options
    )
    context.route("**/*", watch.route)
    # WebSockets are not seen by route(): close any to a host other than 127.0.0.1.
    context.route_web_socket(
        lambda url: urlsplit(url).hostname != "127.0.0.1",
        lambda ws: (watch.outside.append(ws.url), ws.close(code=1008)),
    )
    context.on("page", watch.attach)
    context.set_default_timeout(15_000)
    return context


@pytest.fixture
def watch() -> Watch:
    return Watch()


class Pages:
    """Opens pages in fresh browser contexts (one per person), all watched by one `Watch`."""

    def __init__(self, browser: Browser, watch: Watch) -> None:
        self.browser = browser
        self.watch = watch
        self.contexts: list[BrowserContext] = []

    def phone(self) -> Page:
        return self._open(PHONE)

    def desktop(self) -> Page:
        return self._open(DESKTOP)

    def _open(self, options: dict[str, Any]) -> Page:
        context = _context(self.browser, self.watch, **options)
        self.contexts.append(context)
        return context.new_page()

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def pages(browser: Browser, watch: Watch) -> Iterator[Pages]:
    """Pages for several people; the test fails if any logged an error or reached outside."""
    opened = Pages(browser, watch)
    yield opened
    opened.close()
    watch.check()


@pytest.fixture
def phone(pages: Pages) -> Page:
    """A phone-sized page (375 × 812)."""
    return pages.phone()


@pytest.fixture
def desktop(pages: Pages) -> Page:
    """A desktop page (1280 × 800)."""
    return pages.desktop()


def shot(page: Page, name: str) -> None:
    """Save a screenshot of the whole page under artifacts/screenshots/ (the bars pinned to
    the top and bottom of the screen are drawn once, where they sit in the page)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(
        path=str(SCREENSHOTS / f"{name}.png"),
        full_page=True,
        style=".tabbar, .topbar { position: static !important; }",
        animations="disabled",
    )
