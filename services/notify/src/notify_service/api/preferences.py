"""A person's own settings: language, WeChat id, and the channels they do not want
non-essential messages on (essential ones — an offer, an interview, a code — always come)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import Field

from fanxiang_common.errors import Unprocessable
from notify_service.api.common import Model, Out, OwnInbox, runtime
from notify_service.db import directory
from notify_service.domain.channels import Channel
from notify_service.domain.templates import Language

router = APIRouter(prefix="/v1/me", tags=["preferences"])


class Preferences(Out):
    language: Language
    opted_out: list[Channel] = Field(description="channels without non-essential messages")
    wechat_linked: bool
    email_known: bool
    phone_known: bool


class PreferencesIn(Model):
    language: Language | None = None
    opted_out: list[Channel] | None = Field(
        default=None, description="replaces the list; the inbox cannot be opted out of"
    )
    wechat_openid: str | None = Field(
        default=None,
        min_length=6,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="the openid the mini program got when the person subscribed",
    )


async def _read(conn: Any, recipient: str) -> Preferences:
    row = await directory.contact(conn, recipient)
    opted = await directory.opted_out(conn, recipient)
    return Preferences(opted_out=sorted(opted), **directory.personal(row))


@router.get("/preferences", response_model=Preferences)
async def get_preferences(request: Request, recipient: OwnInbox) -> Preferences:
    async with runtime(request).pool.acquire() as conn:
        return await _read(conn, recipient.key)


@router.put("/preferences", response_model=Preferences)
async def set_preferences(
    body: PreferencesIn, request: Request, recipient: OwnInbox
) -> Preferences:
    if body.opted_out is not None and Channel.INBOX in body.opted_out:
        raise Unprocessable(
            "the inbox is the record of what you were told; it cannot be opted out of",
            loc=("body", "opted_out"),
        )
    async with runtime(request).pool.acquire() as conn, conn.transaction():
        if body.language is not None or body.wechat_openid is not None:
            await directory.set_personal(
                conn,
                recipient.key,
                language=None if body.language is None else body.language.value,
                wechat_openid=body.wechat_openid,
            )
        if body.opted_out is not None:
            await directory.set_opt_outs(conn, recipient.key, set(body.opted_out))
        return await _read(conn, recipient.key)
