"""Imports of 问卷星/腾讯问卷 exports (.xlsx/.csv) over HTTP, coordinators only.

The upload (at most ``SURVEY_MAX_UPLOAD_BYTES``: 413 past it, fanxiang_common.uploads) is kept in the
upload folder until the import ends, and parsed in worker threads (``survey_service.importing``),
a batch at a time, so the event loop stays free and memory stays bounded; an import a stop
interrupts is run again at the next start. Every parsed
response is stored under its fingerprint (importing the same file twice stores nothing the
second time); every row not stored is in the problems list (row, column, reason). When the
import ends, ``ImportFinishedV1`` goes to the outbox in the transaction that marks it finished.

Small files are imported within the request (201 with the summary). Large files (or
``?background=true``) are imported by a background task: 202 at once, then poll
``GET /v1/imports/{id}`` (``progress`` = data rows read so far).
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile, status
from fastapi.responses import JSONResponse

from fanxiang_common.auth import Principal, Role, require_roles
from fanxiang_common.errors import NotFound, Unprocessable
from fanxiang_common.uploads import limited_uploads
from survey_service.api import common
from survey_service.db import store
from survey_service.domain import UnreadableExport
from survey_service.domain.catalog import season_questionnaire
from survey_service.importing import drop_upload, keep_upload, run_import

router = APIRouter(
    prefix="/v1/imports",
    tags=["imports"],
    route_class=limited_uploads(
        lambda request: request.app.state.runtime.settings.max_upload_bytes,
        hint="SURVEY_MAX_UPLOAD_BYTES; split the export or raise the limit",
    ),
)

Coordinator = Annotated[Principal, Depends(require_roles(Role.COORDINATOR))]

BACKGROUND_BYTES = 8 * 1024 * 1024
_HIDDEN = {"report", "upload_path", "upload_host", "heartbeat_at"}  # split out, or internal


def _summary(row: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in row.items() if k not in _HIDDEN}
    for k in ("started_at", "finished_at"):
        if out.get(k) is not None:
            out[k] = out[k].isoformat()
    report = row.get("report") or {}
    out["problems"] = report.get("problems", [])
    out["report"] = {k: v for k, v in report.items() if k != "problems"}
    return out


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={
        202: {"description": "a large import runs in the background; poll its id"},
        413: {"description": "the file is larger than SURVEY_MAX_UPLOAD_BYTES"},
    },
)
async def create_import(
    request: Request,
    principal: Coordinator,
    file: Annotated[UploadFile, File(description="问卷星 or 腾讯问卷 export, .xlsx or .csv")],
    questionnaire_id: Annotated[str | None, Form()] = None,
    background: Annotated[bool | None, Query(description="force (or forbid) background")] = None,
) -> Any:
    pool = common.pool(request)
    settings = common.settings(request)
    qid = questionnaire_id or season_questionnaire().id
    async with pool.acquire() as conn:
        questionnaire = await common.questionnaire(conn, qid, "body", "questionnaire_id")
    file_name = file.filename or "upload"
    import_id = f"IMP-{uuid.uuid4().hex[:12]}"
    path, size = await asyncio.to_thread(
        keep_upload, file.file, settings.resolved_upload_dir(), import_id
    )
    try:
        async with pool.acquire() as conn:
            await store.create_import(
                conn,
                import_id,
                questionnaire.id,
                file_name,
                principal.subject,
                str(path),
                common.runtime(request).imports.host,
            )
    except BaseException:
        await asyncio.to_thread(drop_upload, path)
        raise
    args = (import_id, path, file_name, questionnaire, principal.subject)
    if background if background is not None else size > BACKGROUND_BYTES:
        common.runtime(request).imports.spawn(pool, *args)
        async with pool.acquire() as conn:
            row = await store.get_import(conn, import_id)
        assert row is not None
        return JSONResponse(_summary(row), status_code=status.HTTP_202_ACCEPTED)
    try:
        row = await run_import(pool, settings.source, *args)
    except UnreadableExport as exc:
        await asyncio.to_thread(drop_upload, path)
        raise Unprocessable(str(exc), loc=("body", "file")) from exc
    except Exception as exc:
        async with pool.acquire() as conn:
            await store.fail_import(conn, import_id, f"{type(exc).__name__}: {exc}")
        await asyncio.to_thread(drop_upload, path)
        raise
    # Cancelled (the service stopping mid-request): the file stays, the next start resumes it.
    await asyncio.to_thread(drop_upload, path)
    return _summary(row)


@router.get("", summary="Imports, latest first (without their row-by-row problems)")
async def list_imports(
    request: Request,
    principal: Coordinator,
    questionnaire_id: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[dict[str, Any]]:
    async with common.pool(request).acquire() as conn:
        rows = await store.list_imports(conn, questionnaire_id=questionnaire_id, limit=limit)
    return [{k: v for k, v in _summary(r).items() if k not in ("problems", "report")} for r in rows]


@router.get("/{import_id}")
async def get_import(import_id: str, request: Request, principal: Coordinator) -> dict[str, Any]:
    async with common.pool(request).acquire() as conn:
        row = await store.get_import(conn, import_id)
    if row is None:
        raise NotFound(f"no import {import_id!r}", loc=("path", "import_id"))
    return _summary(row)
