"""Web's composition root: the common service app (health, readiness, its own database and
Kafka) with the pages of each role, static files, error pages and security headers."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from fanxiang_common.app import create_service_app
from fanxiang_web import i18n, ui
from fanxiang_web.api import (
    auth,
    certificate,
    city,
    county,
    inbox,
    liaison,
    match,
    misc,
    registration,
    student,
    survey,
    unit,
)
from fanxiang_web.clients import ApiError, ServiceDown
from fanxiang_web.runtime import WebRuntime
from fanxiang_web.settings import WebSettings

MIGRATIONS = Path(__file__).parent / "migrations"
log = logging.getLogger(__name__)

ROUTERS = [
    misc.router,
    auth.router,
    registration.router,
    student.router,
    unit.router,
    county.router,
    match.router,
    survey.router,
    certificate.router,
    city.router,
    liaison.router,
    inbox.router,
]

# Everything the pages load comes from this site: no CDN, no web fonts, no inline script.
# (Inline styles are allowed: ECharts' tooltips and the progress bars use them.)
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def create_app(settings: WebSettings | None = None) -> FastAPI:
    settings = settings or WebSettings()
    runtime = WebRuntime(settings, migrations=MIGRATIONS)
    app = create_service_app(
        runtime,
        title="Fanxiang web front end",
        description="The web front end: students on phones, units and coordinators at desks.",
        routers=ROUTERS,
    )
    app.mount("/static", StaticFiles(directory=ui.STATIC), name="static")
    _error_pages(app)

    @app.middleware("http")
    async def guard(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        # Cross-site form posts are refused (with the SameSite=Lax cookie this is our CSRF
        # defence): a browser names the page's origin on every unsafe request.
        if request.method in UNSAFE and _cross_site(request):
            return PlainTextResponse("cross-site request refused", status_code=403)
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if response.headers.get("content-type", "").startswith("text/html"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    return app


def _cross_site(request: Request) -> bool:
    if request.headers.get("sec-fetch-site") == "cross-site":
        return True
    origin = request.headers.get("origin")
    if origin and origin != "null":
        return urlsplit(origin).netloc != request.headers.get("host")
    return False


def _to_sign_in(request: Request, next_url: str) -> Response:
    """To the sign-in page; an htmx request (a fragment) makes the whole page go there, so the
    sign-in form never lands inside a button's slot."""
    url = ui.sign_in_url(next_url)
    if ui.is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def _came_from(request: Request) -> str | None:
    """The page a refused form was on (this site's only), to offer a way back to it."""
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc != request.headers.get("host") or not referer.path.startswith("/"):
        return None
    return referer.path + (f"?{referer.query}" if referer.query else "")


def _error_pages(app: FastAPI) -> None:
    @app.exception_handler(ui.SignInRequired)
    async def sign_in(request: Request, exc: ui.SignInRequired) -> Response:
        # After signing in, a form's action cannot be opened again: go back to its page.
        back = exc.next_url if request.method == "GET" else _came_from(request) or "/"
        return _to_sign_in(request, back)

    @app.exception_handler(ui.WrongRole)
    async def wrong_role(request: Request, exc: ui.WrongRole) -> Response:
        return ui.render(request, "error.html", 403, code=403)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> Response:
        if exc.status == 401:
            # The token expired or was revoked: sign in again, then come back.
            here = ui.local_url(request) if request.method == "GET" else None
            response = _to_sign_in(request, here or _came_from(request) or "/")
            response.delete_cookie(ui.SESSION_COOKIE, path="/")
            return response
        code = exc.status if exc.status in (403, 404) else 400
        t = i18n.Translator(ui.lang_of(request))
        errors = ui.form_errors(t, exc.errors)
        messages = errors.form + [m for ms in errors.fields.values() for m in ms]
        return ui.render(
            request, "error.html", code, code=code, errors=messages, back=_came_from(request)
        )

    @app.exception_handler(ServiceDown)
    async def service_down(request: Request, exc: ServiceDown) -> Response:
        return ui.render(request, "error.html", 503, code=503, service=exc.service)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 413:  # an upload past its limit (fanxiang_common.uploads)
            t = i18n.Translator(ui.lang_of(request))
            errors = [t("文件过大，超过了允许的上限。请拆分后再上传。")]
            return ui.render(request, "error.html", 413, code=413, errors=errors)
        code = exc.status_code if exc.status_code in (404, 405) else 400
        return ui.render(request, "error.html", code, code=code)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        return ui.render(request, "error.html", 400, code=400)

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> Response:
        log.exception("page failed", extra={"path": request.url.path})
        return ui.render(request, "error.html", 500, code=500)
