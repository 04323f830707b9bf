"""The front door: where each role starts, the language switch, the favicon."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from fanxiang_web import i18n, ui

router = APIRouter(include_in_schema=False)

HOME = {
    "student": "/s",
    "unit": "/u",
    "county": "/c",
    "coordinator": "/city",
    "liaison": "/l",
    "officer": "/account",
}


def home_of(role: str) -> str:
    return HOME.get(role, "/account")


@router.get("/")
async def front(request: Request) -> Response:
    session = await ui.load_session(request)
    return RedirectResponse(home_of(session.role) if session else "/login", status_code=303)


@router.get("/lang/{lang}")
async def switch_language(request: Request, lang: str, next: str | None = None) -> Response:
    """Chinese or English, kept in a cookie for a year; back to the page it came from."""
    response = RedirectResponse(ui.safe_next(next), status_code=303)
    if lang in i18n.LANGS:
        response.set_cookie(ui.LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax", path="/")
    return response


@router.get("/account")
async def account(ctx: ui.Anyone) -> Response:
    """Roles without pages of their own yet (branch officers) land here."""
    return ctx.render("account.html")


@router.get("/favicon.ico")
async def favicon() -> Response:
    return RedirectResponse("/static/favicon.svg", status_code=301)
