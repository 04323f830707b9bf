"""The web app itself, on its real database, with no service behind it: what a browser gets
before signing in, when a service is down, and from a cross-site form."""

from __future__ import annotations

import pytest

from fanxiang_local.proc import free_port
from fanxiang_local.testing import SettingsFactory, serve_in_process
from fanxiang_web.app import create_app
from fanxiang_web.settings import WebSettings

pytestmark = pytest.mark.integration


@pytest.fixture
def settings(service_settings: SettingsFactory) -> WebSettings:
    nowhere = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    return service_settings(
        WebSettings, placement_url=nowhere, notify_url=nowhere, service_timeout_s=2
    )


async def test_pages_need_a_sign_in_and_come_back_after_it(settings: WebSettings) -> None:
    async with serve_in_process(create_app(settings)) as client:
        r = await client.get("/s/posts?county=140302")
        assert r.status_code == 303
        assert r.headers["location"] == "/login?next=/s/posts%3Fcounty%3D140302"
        login = await client.get("/login")
        assert login.status_code == 200 and "手机号登录" in login.text
        assert (await client.get("/healthz")).status_code == 200


async def test_security_headers_and_no_caching_of_pages(settings: WebSettings) -> None:
    async with serve_in_process(create_app(settings)) as client:
        r = await client.get("/login")
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "default-src 'self'" in csp
        assert r.headers["cache-control"] == "no-store"
        assert r.headers["x-content-type-options"] == "nosniff"
        css = await client.get("/static/app.css")
        assert css.status_code == 200 and "no-store" not in css.headers.get("cache-control", "")


async def test_a_service_that_does_not_answer_gives_a_friendly_page(settings: WebSettings) -> None:
    async with serve_in_process(create_app(settings)) as client:
        r = await client.post("/login/code", data={"phone": "13912345678"})
        assert r.status_code == 503
        assert "服务暂时不可用" in r.text and "没有保存" in r.text


async def test_a_cross_site_form_post_is_refused(settings: WebSettings) -> None:
    async with serve_in_process(create_app(settings)) as client:
        r = await client.post(
            "/logout", headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
        )
        assert r.status_code == 403
        same = await client.post("/logout", headers={"Origin": "http://test"})
        assert same.status_code == 303


async def test_unknown_pages_and_bad_language_cookies(settings: WebSettings) -> None:
    async with serve_in_process(create_app(settings)) as client:
        r = await client.get("/no/such/page")
        assert r.status_code == 404 and "页面不存在" in r.text
        client.cookies.set("fx_lang", "xx")
        assert "手机号登录" in (await client.get("/login")).text
        en = await client.get("/lang/en?next=https://evil.example/")
        assert en.status_code == 303 and en.headers["location"] == "/"
        client.cookies.set("fx_lang", "en")
        assert "Sign in with your phone" in (await client.get("/login")).text


async def test_a_forged_session_cookie_is_no_session(settings: WebSettings) -> None:
    async with serve_in_process(create_app(settings)) as client:
        client.cookies.set("fx_session", "forged")
        r = await client.get("/s")
        assert r.status_code == 303 and r.headers["location"].startswith("/login")


async def test_an_htmx_request_without_a_session_sends_the_whole_page_to_sign_in(
    settings: WebSettings,
) -> None:
    async with serve_in_process(create_app(settings)) as client:
        r = await client.post(
            "/s/choices/add",
            data={"post_id": "P-1"},
            headers={"HX-Request": "true", "Referer": "http://test/s/posts?county=140302"},
        )
        assert r.status_code == 200
        assert r.headers["hx-redirect"] == "/login?next=/s/posts%3Fcounty%3D140302"
