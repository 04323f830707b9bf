"""What every page handler shares: the Jinja environment, rendering with the person's language,
the signed-in session, redirects with a one-shot notice, and form errors from the APIs."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

import asyncpg
from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from fanxiang_common import access
from fanxiang_common.auth import unverified_principal
from fanxiang_common.errors import Unauthorized
from fanxiang_common.settings import Environment as Env
from fanxiang_web import i18n
from fanxiang_web.clients import Api, ApiError, Services
from fanxiang_web.db import sessions
from fanxiang_web.domain import labels, rounds, survey_charts
from fanxiang_web.domain.errors import FORM, FieldError, by_field
from fanxiang_web.domain.masking import mask_phone
from fanxiang_web.settings import WebSettings

SESSION_COOKIE = "fx_session"
_SESSION_KEY = "fanxiang.session"  # the request's session, cached in its ASGI scope
LANG_COOKIE = "fx_lang"
FLASH_COOKIE = "fx_flash"
STATIC = Path(__file__).parent / "static"
BEIJING = ZoneInfo("Asia/Shanghai")


def _asset_version() -> str:
    digest = hashlib.sha256()
    for name in ("app.css", "app.js"):
        digest.update((STATIC / name).read_bytes())
    return digest.hexdigest()[:10]


env = Environment(
    loader=PackageLoader("fanxiang_web", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def local_dt(value: Any) -> str:
    """An API timestamp as Beijing time, ``2026-07-01 18:00`` (the programme is in China)."""
    if not value:
        return ""
    at = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if at.tzinfo is None:
        return at.strftime("%Y-%m-%d %H:%M")
    return at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


_translator: ContextVar[i18n.Translator | None] = ContextVar("translator", default=None)


def _gettext(text: str, **values: Any) -> str:
    """``_()`` in templates, imported macros included: the language of the page being drawn."""
    return (_translator.get() or i18n.Translator(i18n.DEFAULT))(text, **values)


env.filters["local_dt"] = local_dt
env.globals["_"] = _gettext
env.globals.update(
    asset_version=_asset_version(),
    labels=labels,
    mask_phone=mask_phone,
    rounds_kind=rounds.KIND,
    rounds_status=rounds.ROUND_STATUS,
    rounds_locality=rounds.LOCALITY,
    round_phases=rounds.PHASES,
    blocking_reason=rounds.BLOCKING_REASON,
    import_status=survey_charts.IMPORT_STATUS,
    problem_level=survey_charts.PROBLEM_LEVEL,
    question_kind=survey_charts.QUESTION_KIND,
    htmx_config=json.dumps(
        {
            # Our own stylesheet styles the indicators; no inline <style>, no eval (the CSP).
            "includeIndicatorStyles": False,
            "allowEval": False,
            "selfRequestsOnly": True,
            # Pages hold personal data: keep no copies in localStorage; reload on Back.
            "historyCacheSize": 0,
            "refreshOnHistoryMiss": True,
        }
    ),
)


def lang_of(request: Request) -> str:
    lang = request.cookies.get(LANG_COOKIE, i18n.DEFAULT)
    return lang if lang in i18n.LANGS else i18n.DEFAULT


def settings_of(request: Request) -> WebSettings:
    s: WebSettings = request.app.state.runtime.settings
    return s


def services_of(request: Request) -> Services:
    s: Services = request.app.state.runtime.services
    return s


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def render(
    request: Request,
    template: str,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
    force_lang: str | None = None,
    **context: Any,
) -> HTMLResponse:
    lang = force_lang or lang_of(request)
    t = i18n.Translator(lang)
    session: sessions.Session | None = request.scope.get(_SESSION_KEY)
    flash = request.cookies.get(FLASH_COOKIE)
    token = _translator.set(t)
    try:
        html = env.get_template(template).render(
            request=request,
            lang=lang,
            t=t,
            session=session,
            role=session.role if session else None,
            path=request.url.path,
            here=local_url(request),
            flash=i18n.FLASH.get(flash or "", None),
            development=settings_of(request).environment is not Env.PRODUCTION,
            **context,
        )
    finally:
        _translator.reset(token)
    response = HTMLResponse(html, status_code=status_code, headers=headers)
    if flash:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def redirect(url: str, flash: str | None = None) -> RedirectResponse:
    """303 after a successful form; ``flash`` names a notice in ``i18n.FLASH``."""
    response = RedirectResponse(url, status_code=303)
    if flash:
        response.set_cookie(
            FLASH_COOKIE, flash, max_age=60, httponly=True, samesite="lax", path="/"
        )
    return response


def local_url(request: Request) -> str:
    query = f"?{request.url.query}" if request.url.query else ""
    return f"{request.url.path}{query}"


def safe_next(target: str | None, default: str = "/") -> str:
    """Only a path on this site (no scheme, no host, no ``//evil``): no open redirect."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def form_status(request: Request) -> int:
    """A form shown again with its errors: 422 for a plain form post; 200 for htmx, which
    swaps only successful responses (and Chromium logs every 4xx as a console error)."""
    return 200 if is_htmx(request) else 422


class SignInRequired(Exception):
    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


class WrongRole(Exception):
    pass


@dataclass
class Ctx:
    """The signed-in person and the services as they see them."""

    request: Request
    session: sessions.Session
    api: Api

    @property
    def lang(self) -> str:
        return lang_of(self.request)

    @property
    def t(self) -> i18n.Translator:
        return i18n.Translator(self.lang)

    @property
    def settings(self) -> WebSettings:
        return settings_of(self.request)

    def render(self, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        return render(self.request, template, status_code, **context)

    async def db_session(self) -> Any:
        return self.request.app.state.runtime.pool.acquire()


async def load_session(request: Request) -> sessions.Session | None:
    """The session of the request's cookie (cached on the request: in its scope, because
    ``request.state`` may be shared between requests, as asgi-lifespan's test harness does)."""
    if _SESSION_KEY in request.scope:
        cached: sessions.Session | None = request.scope[_SESSION_KEY]
        return cached
    found = None
    if sid := request.cookies.get(SESSION_COOKIE):
        async with request.app.state.runtime.pool.acquire() as conn:
            found = await sessions.get(conn, sid)
            if found is not None and not await _still_allowed(conn, found):
                await sessions.delete(conn, sid)
                found = None
    request.scope[_SESSION_KEY] = found
    return found


async def _still_allowed(conn: asyncpg.Connection, session: sessions.Session) -> bool:
    """False once placement signed the session's token out or disabled its account
    (fanxiang_common.access): then the web forgets the session, whatever page is asked for."""
    try:
        await access.refuse_if_revoked(conn, unverified_principal(session.token))
    except Unauthorized:
        return False
    return True


def require(*roles: str) -> Callable[..., Any]:
    """Dependency: the signed-in person with one of ``roles`` (else sign in, or 403)."""

    async def dependency(request: Request) -> Ctx:
        session = await load_session(request)
        if session is None:
            raise SignInRequired(local_url(request))
        if roles and session.role not in roles:
            raise WrongRole()
        return Ctx(request, session, Api(services_of(request), session.token))

    return dependency


Student = Annotated[Ctx, Depends(require("student"))]
UnitUser = Annotated[Ctx, Depends(require("unit"))]
Committee = Annotated[Ctx, Depends(require("county", "coordinator"))]
Coordinator = Annotated[Ctx, Depends(require("coordinator"))]
Liaison = Annotated[Ctx, Depends(require("liaison", "coordinator"))]
Anyone = Annotated[Ctx, Depends(require())]


def sign_in_url(next_url: str) -> str:
    return f"/login?next={quote(next_url, safe='/')}"


@dataclass
class FormErrors:
    """Errors of a form, translated, by field (``form`` holds those of no field)."""

    fields: dict[str, list[str]]
    form: list[str]

    def __bool__(self) -> bool:
        return bool(self.fields or self.form)

    def get(self, name: str, default: Any = ()) -> Any:
        return self.fields.get(name, default)

    def __contains__(self, name: str) -> bool:
        return name in self.fields


NO_ERRORS = FormErrors({}, [])


def form_errors(
    t: i18n.Translator, errors: Sequence[FieldError], known: Sequence[str] | None = None
) -> FormErrors:
    grouped = by_field(errors, known)
    form = [i18n.error_text(t, e) for e in grouped.pop(FORM, [])]
    return FormErrors({k: [i18n.error_text(t, e) for e in v] for k, v in grouped.items()}, form)


def api_errors(t: i18n.Translator, exc: ApiError, known: Sequence[str] | None = None) -> FormErrors:
    return form_errors(t, exc.errors, known)
