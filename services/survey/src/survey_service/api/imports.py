"""Imports of 问卷星/腾讯问卷 exports (.xlsx/.csv) over HTTP, coordinators only.

The upload is copied to a temporary file and parsed in worker threads (``asyncio.to_thread``),
a batch at a time, so the event loop stays free and memory stays bounded. Every parsed
response is stored under its fingerprint (importing the same file twice stores nothing the
second time); every row not stored is in the problems list (row, column, reason). When the
import ends, ``ImportFinishedV1`` goes to the outbox in the transaction that marks it finished.

Small files are imported within the request (201 with the summary). Large files (or
``?background=true``) are imported by a background task: 202 at once, then poll
``GET /v1/imports/{id}`` (``progress`` = data rows read so far).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import tempfile
import uuid
from itertools import islice
from pathlib import Path
from typing import IO, Annotated, Any

import asyncpg
from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile, status
from fastapi.responses import JSONResponse

from fanxiang_common.auth import Principal, Role, require_roles
from fanxiang_common.db.outbox import add_event
from fanxiang_common.errors import NotFound, Unprocessable
from fanxiang_common.events.survey import ImportFinishedV1
from survey_service.api import common
from survey_service.db import codec, store
from survey_service.domain import ExportImport, Questionnaire, UnreadableExport, read_export
from survey_service.domain.catalog import season_questionnaire

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/imports", tags=["imports"])

Coordinator = Annotated[Principal, Depends(require_roles(Role.COORDINATOR))]

BATCH = 5000
BACKGROUND_BYTES = 8 * 1024 * 1024
_tasks: set[asyncio.Task[None]] = set()


def _summary(row: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in row.items() if k != "report"}
    for k in ("started_at", "finished_at"):
        if out.get(k) is not None:
            out[k] = out[k].isoformat()
    report = row.get("report") or {}
    out["problems"] = report.get("problems", [])
    out["report"] = {k: v for k, v in report.items() if k != "problems"}
    return out


def _take(
    imp: ExportImport, it: Any, questionnaire: Questionnaire, import_id: str
) -> list[store.Row]:
    """The next batch of parsed responses as rows to store (runs in a worker thread)."""
    rows: list[store.Row] = []
    for r in islice(it, BATCH):
        rows.append(
            (
                f"imp-{r.fingerprint}",
                questionnaire.id,
                r.fingerprint,
                "import",
                codec.encode(r.answers),
                None,
                codec.county_of(r.answers, questionnaire),
                r.submitted_at,
                r.duration,
                import_id,
            )
        )
    return rows


async def run_import(
    pool: asyncpg.Pool,
    source: str,
    import_id: str,
    path: Path,
    file_name: str,
    questionnaire: Questionnaire,
    requested_by: str,
) -> dict[str, Any]:
    """Parse, store and finish one import; returns the import row. UnreadableExport marks
    it failed and propagates."""
    stream: IO[bytes] = await asyncio.to_thread(path.open, "rb")
    try:
        try:
            imp = await asyncio.to_thread(read_export, stream, questionnaire)
        except UnreadableExport as exc:
            async with pool.acquire() as conn:
                await store.fail_import(conn, import_id, str(exc))
            raise
        it = imp.responses()
        stored = 0
        while batch := await asyncio.to_thread(_take, imp, it, questionnaire, import_id):
            async with pool.acquire() as conn, conn.transaction():
                stored += await store.insert_responses(conn, batch)
                await store.set_progress(conn, import_id, imp.report.data_rows, stored)
    finally:
        await asyncio.to_thread(stream.close)
    rep = imp.report
    counts = {
        "data_rows": rep.data_rows,
        "responses": rep.responses,
        "stored": stored,
        "duplicates": rep.exact_duplicates + (rep.responses - stored),
        "rejected": rep.rejected,
        "blank": rep.blank,
        "warnings": rep.warnings,
    }
    async with pool.acquire() as conn, conn.transaction():
        await store.finish_import(conn, import_id, counts, rep.as_dict())
        await add_event(
            conn,
            ImportFinishedV1(
                import_id=import_id,
                file_name=file_name,
                rows=rep.data_rows,
                stored=stored,
                duplicates=counts["duplicates"],
                problems=rep.rejected + rep.blank + rep.warnings,
                requested_by=requested_by,
            ),
            source=source,
        )
        row = await store.get_import(conn, import_id)
    assert row is not None
    return row


async def _background(pool: asyncpg.Pool, *args: Any) -> None:
    path: Path = args[1]
    try:
        await run_import(pool, *args)
    except Exception as exc:
        log.exception("survey import failed", extra={"import_id": args[0]})
        with contextlib.suppress(Exception):
            async with pool.acquire() as conn:
                await store.fail_import(conn, args[0], f"{type(exc).__name__}: {exc}")
    finally:
        with contextlib.suppress(OSError):
            await asyncio.to_thread(path.unlink, True)


def _copy(upload: IO[bytes]) -> tuple[Path, int]:
    fd, name = tempfile.mkstemp(prefix="survey-import-")
    with os.fdopen(fd, "wb") as out:
        shutil.copyfileobj(upload, out, 1024 * 1024)
    return Path(name), Path(name).stat().st_size


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={202: {"description": "a large import runs in the background; poll its id"}},
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
    path, size = await asyncio.to_thread(_copy, file.file)
    file_name = file.filename or "upload"
    import_id = f"IMP-{uuid.uuid4().hex[:12]}"
    async with pool.acquire() as conn:
        await store.create_import(conn, import_id, questionnaire.id, file_name, principal.subject)
    args = (settings.source, import_id, path, file_name, questionnaire, principal.subject)
    if background if background is not None else size > BACKGROUND_BYTES:
        task = asyncio.create_task(_background(pool, *args), name=f"import-{import_id}")
        _tasks.add(task)
        task.add_done_callback(_tasks.discard)
        async with pool.acquire() as conn:
            row = await store.get_import(conn, import_id)
        assert row is not None
        return JSONResponse(_summary(row), status_code=status.HTTP_202_ACCEPTED)
    try:
        row = await run_import(pool, *args)
    except UnreadableExport as exc:
        raise Unprocessable(str(exc), loc=("body", "file")) from exc
    finally:
        with contextlib.suppress(OSError):
            await asyncio.to_thread(path.unlink, True)
    return _summary(row)


@router.get("/{import_id}")
async def get_import(import_id: str, request: Request, principal: Coordinator) -> dict[str, Any]:
    async with common.pool(request).acquire() as conn:
        row = await store.get_import(conn, import_id)
    if row is None:
        raise NotFound(f"no import {import_id!r}", loc=("path", "import_id"))
    return _summary(row)
