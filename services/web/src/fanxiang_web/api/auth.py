"""Signing in with a phone number and a one-time code (placement sends it by SMS through
notify; outside production placement also returns it, and the page shows it for demos)."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from fanxiang_common.settings import Environment
from fanxiang_web import ui
from fanxiang_web.api.misc import home_of
from fanxiang_web.clients import ApiError, ServiceDown
from fanxiang_web.db import sessions
from fanxiang_web.domain.masking import mask_phone
from fanxiang_web.i18n import Translator

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)


def _login(request: Request, status_code: int = 200, **context: Any) -> Response:
    context.setdefault("errors", ui.NO_ERRORS)
    context.setdefault("step", "phone")
    return ui.render(request, "login.html", status_code, **context)


@router.get("/login")
async def login_page(request: Request, next: str | None = None) -> Response:
    session = await ui.load_session(request)
    if session is not None:
        return ui.redirect(ui.safe_next(next, home_of(session.role)))
    return _login(request, next=ui.safe_next(next, ""))


@router.post("/login/code")
async def request_code(
    request: Request,
    phone: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    t = Translator(ui.lang_of(request))
    phone = phone.strip()
    try:
        sent = await ui.services_of(request).call(
            "placement", "POST", "/v1/auth/codes", json={"phone": phone}
        )
    except ApiError as exc:
        errors = ui.api_errors(t, exc, ["phone"])
        return _login(request, ui.form_status(request), phone=phone, next=next, errors=errors)
    production = ui.settings_of(request).environment is Environment.PRODUCTION
    return _login(
        request,
        step="code",
        phone=phone,
        next=next,
        dev_code=None if production else sent.get("dev_code"),
        resend_after=sent.get("resend_after_s", 60),
    )


@router.post("/login")
async def sign_in(
    request: Request,
    phone: Annotated[str, Form()] = "",
    code: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    t = Translator(ui.lang_of(request))
    phone, code = phone.strip(), code.strip()
    try:
        token = await ui.services_of(request).call(
            "placement", "POST", "/v1/auth/tokens", json={"phone": phone, "code": code}
        )
    except ApiError as exc:
        errors = ui.api_errors(t, exc, ["code"])
        return _login(
            request, ui.form_status(request), step="code", phone=phone, next=next, errors=errors
        )
    session = sessions.Session(
        token=token["access_token"],
        subject=token["subject"],
        role=token["role"],
        unit_id=token.get("unit_id"),
        county=token.get("county"),
        city=token.get("city"),
        phone=mask_phone(phone),
        expires_at=sessions.expiry(int(token["expires_in"])),
    )
    async with request.app.state.runtime.pool.acquire() as conn:
        session_id = await sessions.create(conn, session)
    response = ui.redirect(ui.safe_next(next, home_of(session.role)))
    response.set_cookie(
        ui.SESSION_COOKIE,
        session_id,
        max_age=int(token["expires_in"]),
        httponly=True,
        samesite="lax",
        secure=ui.settings_of(request).environment is Environment.PRODUCTION,
        path="/",
    )
    return response


async def _revoke(request: Request, token: str, path: str) -> None:
    """Ask placement to revoke the token; signing out here happens whatever it answers (an
    expired or already revoked token, placement down: the session goes all the same)."""
    try:
        await ui.services_of(request).call("placement", "POST", path, token=token, json={})
    except (ApiError, ServiceDown) as exc:
        log.info("token not revoked at sign-out", extra={"reason": str(exc)})


@router.post("/logout")
async def sign_out(request: Request) -> Response:
    """Sign out: placement revokes the token, and the session is deleted."""
    session = await ui.load_session(request)
    if session is not None:
        await _revoke(request, session.token, "/v1/auth/sign-out")
    if sid := request.cookies.get(ui.SESSION_COOKIE):
        async with request.app.state.runtime.pool.acquire() as conn:
            await sessions.delete(conn, sid)
    response = ui.redirect("/login", flash="signed_out")
    response.delete_cookie(ui.SESSION_COOKIE, path="/")
    return response


@router.post("/account/sign-out-everywhere")
async def sign_out_everywhere(ctx: ui.Anyone) -> Response:
    """Every token of the person is revoked (placement) and every session of theirs here goes:
    a lost phone, a shared computer."""
    await ctx.api.post("placement", "/v1/auth/sign-out-everywhere")
    async with ctx.request.app.state.runtime.pool.acquire() as conn:
        await sessions.delete_all(conn, ctx.session.subject)
    response = ui.redirect("/login", flash="signed_out_everywhere")
    response.delete_cookie(ui.SESSION_COOKIE, path="/")
    return response
