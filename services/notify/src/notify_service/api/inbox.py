"""The in-app inbox: a person (or an office's staff) sees only their own notifications."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request

from fanxiang_common.errors import NotFound
from notify_service.api.common import Out, OwnInbox, runtime
from notify_service.db import directory, notifications
from notify_service.domain import templates
from notify_service.domain.templates import Language

router = APIRouter(prefix="/v1/inbox", tags=["inbox"])


class InboxItem(Out):
    notification_id: uuid.UUID
    purpose: str
    title: str
    body: str
    at: datetime
    read: bool
    essential: bool
    broadcast_id: uuid.UUID | None = None


class InboxPage(Out):
    items: list[InboxItem]
    unread: int
    next_before: datetime | None = None


class Count(Out):
    unread: int


class Marked(Out):
    marked: int


def _language(lang: str | None, accept: str | None, stored: str | None) -> Language:
    for candidate in (lang, (accept or "").split(",")[0].split("-")[0].strip(), stored):
        if candidate in ("zh", "en"):
            return Language(candidate)
    return Language.ZH


LangQuery = Annotated[str | None, Query(pattern="^(zh|en)$", description="zh (default) or en")]


@router.get("", response_model=InboxPage, summary="My notifications, newest first")
async def list_inbox(
    request: Request,
    recipient: OwnInbox,
    unread: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[datetime | None, Query(description="page: the previous next_before")] = None,
    lang: LangQuery = None,
    accept_language: Annotated[str | None, Header()] = None,
) -> InboxPage:
    async with runtime(request).pool.acquire() as conn:
        rows = await notifications.inbox(
            conn, recipient.key, unread_only=unread, limit=limit, before=before
        )
        unread_count = await notifications.unread_count(conn, recipient.key)
        contact = await directory.contact(conn, recipient.key)
        titles = await directory.post_titles(
            conn, (r["params"].get("post_id") for r in rows if r["params"].get("post_id"))
        )
    language = _language(lang, accept_language, contact["language"] if contact else None)
    items = []
    for r in rows:
        params = dict(r["params"])
        if params.get("post_title") is None and params.get("post_id") in titles:
            params["post_title"] = titles[params["post_id"]]
        text = templates.render(
            templates.get(r["template"], r["template_version"]), params, language
        )
        items.append(
            InboxItem(
                notification_id=r["notification_id"],
                purpose=r["purpose"],
                title=text.title,
                body=text.body,
                at=r["visible_at"],
                read=r["read_at"] is not None,
                essential=r["essential"],
                broadcast_id=r["broadcast_id"],
            )
        )
    next_before = rows[-1]["visible_at"] if len(rows) == limit else None
    return InboxPage(items=items, unread=unread_count, next_before=next_before)


@router.get("/unread-count", response_model=Count, summary="How many of mine are unread")
async def unread_count(request: Request, recipient: OwnInbox) -> Count:
    async with runtime(request).pool.acquire() as conn:
        return Count(unread=await notifications.unread_count(conn, recipient.key))


@router.post("/{notification_id}/read", response_model=Marked, summary="Mark one of mine read")
async def mark_read(notification_id: uuid.UUID, request: Request, recipient: OwnInbox) -> Marked:
    async with runtime(request).pool.acquire() as conn:
        if not await notifications.mark_read(conn, recipient.key, notification_id):
            # Someone else's notification is "not found" too: its existence is not revealed.
            raise NotFound(
                f"no notification {notification_id} in your inbox", loc=("path", "notification_id")
            )
    return Marked(marked=1)


@router.post("/read-all", response_model=Marked, summary="Mark all of mine read")
async def mark_all_read(request: Request, recipient: OwnInbox) -> Marked:
    async with runtime(request).pool.acquire() as conn:
        return Marked(marked=await notifications.mark_all_read(conn, recipient.key))
