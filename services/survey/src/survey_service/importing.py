"""Running imports of 问卷星/腾讯问卷 exports: parse in worker threads a batch at a time, store
each batch in one transaction, finish with ``ImportFinishedV1`` through the outbox — and
survive a stop.

The uploaded file is kept in the upload folder (``SURVEY_UPLOAD_DIR``) and its path recorded
on the import row until the import is finished or failed. A clean stop cancels the running
imports and releases them (their rows stay ``running``, with their files); a crash leaves
them running with a heartbeat that stops moving. Every instance sweeps for running imports
whose heartbeat is older than ``SURVEY_IMPORT_STALE_S`` (at start, then every
``SURVEY_IMPORT_SWEEP_S``), claims each with one conditional UPDATE (so one instance only),
and runs it again from the top. That is safe because storing is idempotent: a response's key
is its fingerprint, so the rows an earlier attempt stored are not stored twice, ``stored`` is
counted from the table (rows carrying this import's id), and finishing is conditional on the
import still running, so ``ImportFinishedV1`` is written once. An instance that cannot see a
kept file skips the import if the file was kept on another host (shared upload folders let
any instance resume), and fails it, asking for the file again, if it was its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import tempfile
from itertools import islice
from pathlib import Path
from typing import IO, Any

import asyncpg

from fanxiang_common.db.outbox import add_event
from fanxiang_common.events.survey import ImportFinishedV1
from survey_service.db import codec, store
from survey_service.domain import ExportImport, Questionnaire, UnreadableExport, read_export

log = logging.getLogger(__name__)

BATCH = 5000


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
    it failed and propagates. Cancelled (a stop), it leaves the import running."""
    stream: IO[bytes] = await asyncio.to_thread(path.open, "rb")
    try:
        try:
            imp = await asyncio.to_thread(read_export, stream, questionnaire)
        except UnreadableExport as exc:
            async with pool.acquire() as conn:
                await store.fail_import(conn, import_id, str(exc))
            raise
        async with pool.acquire() as conn:
            stored = await store.stored_by_import(conn, import_id)  # > 0 when resumed
        it = imp.responses()
        while batch := await asyncio.to_thread(_take, imp, it, questionnaire, import_id):
            async with pool.acquire() as conn, conn.transaction():
                stored += await store.insert_responses(conn, batch)
                await store.set_progress(conn, import_id, imp.report.data_rows, stored)
    finally:
        await asyncio.to_thread(stream.close)
    rep = imp.report
    async with pool.acquire() as conn, conn.transaction():
        stored = await store.stored_by_import(conn, import_id)
        counts = {
            "data_rows": rep.data_rows,
            "responses": rep.responses,
            "stored": stored,
            "duplicates": rep.exact_duplicates + (rep.responses - stored),
            "rejected": rep.rejected,
            "blank": rep.blank,
            "warnings": rep.warnings,
        }
        if not await store.finish_import(conn, import_id, counts, rep.as_dict()):
            row = await store.get_import(conn, import_id)  # finished by another instance
            assert row is not None
            return row
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


def keep_upload(upload: IO[bytes], folder: Path, import_id: str) -> tuple[Path, int]:
    """Copy an upload into the upload folder (owner-only: it holds personal data)."""
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f"{import_id}-", suffix=".upload", dir=folder)
    with os.fdopen(fd, "wb") as out:
        shutil.copyfileobj(upload, out, 1024 * 1024)
    path = Path(name)
    return path, path.stat().st_size


def drop_upload(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


class ImportRunner:
    """The imports running in the background of one service instance, and the sweep that
    resumes interrupted ones."""

    def __init__(self, source: str, host: str, stale_s: float, sweep_s: float) -> None:
        self.source = source
        self.host = host
        self.stale_s = stale_s
        self.sweep_s = sweep_s
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._sweeper: asyncio.Task[None] | None = None

    def spawn(
        self,
        pool: asyncpg.Pool,
        import_id: str,
        path: Path,
        file_name: str,
        questionnaire: Questionnaire,
        requested_by: str,
    ) -> None:
        task = asyncio.create_task(
            self._run(pool, import_id, path, file_name, questionnaire, requested_by),
            name=f"import-{import_id}",
        )
        self._tasks[import_id] = task
        task.add_done_callback(lambda _t: self._tasks.pop(import_id, None))

    async def _run(
        self,
        pool: asyncpg.Pool,
        import_id: str,
        path: Path,
        file_name: str,
        questionnaire: Questionnaire,
        requested_by: str,
    ) -> None:
        try:
            await run_import(
                pool, self.source, import_id, path, file_name, questionnaire, requested_by
            )
        except UnreadableExport:
            pass  # marked failed by run_import
        except Exception as exc:
            log.exception("survey import failed", extra={"import_id": import_id})
            with contextlib.suppress(Exception):
                async with pool.acquire() as conn:
                    await store.fail_import(conn, import_id, f"{type(exc).__name__}: {exc}")
        else:
            await asyncio.to_thread(drop_upload, path)
            return
        await asyncio.to_thread(drop_upload, path)  # failed: nothing to resume
        # A cancellation (a stop) skips both: the file stays for whoever resumes it.

    async def resume(self, pool: asyncpg.Pool) -> list[str]:
        """Claim and start again the imports a stop or a crash interrupted."""
        resumed: list[str] = []
        async with pool.acquire() as conn:
            for row in await store.stale_imports(conn, self.stale_s):
                import_id = row["import_id"]
                if import_id in self._tasks:
                    continue  # ours, between two batches
                path = Path(row["upload_path"]) if row["upload_path"] else None
                present = path is not None and await asyncio.to_thread(path.is_file)
                elsewhere = row["upload_host"] not in (None, self.host)
                if not present and elsewhere:
                    continue  # kept on another host: that instance resumes it
                if not await store.claim_import(conn, import_id, self.stale_s):
                    continue  # another instance was quicker
                questionnaire = await store.get_questionnaire(conn, row["questionnaire_id"])
                if path is None or not present or questionnaire is None:
                    await store.fail_import(
                        conn,
                        import_id,
                        "导入在服务停止时中断，上传的文件已不在，请重新上传 / interrupted by a "
                        "stop and its uploaded file is gone: upload it again",
                    )
                    continue
                log.info("resuming survey import", extra={"import_id": import_id})
                self.spawn(
                    pool, import_id, path, row["file_name"], questionnaire, row["requested_by"]
                )
                resumed.append(import_id)
        return resumed

    def start_sweeping(self, pool: asyncpg.Pool) -> None:
        async def sweep() -> None:
            while True:
                await asyncio.sleep(self.sweep_s)
                try:
                    await self.resume(pool)
                except Exception:
                    log.exception("survey import sweep failed; trying again later")

        self._sweeper = asyncio.create_task(sweep(), name="survey-import-sweep")

    async def stop(self, pool: asyncpg.Pool) -> None:
        """Cancel the sweep and the running imports (waiting at most 10 s), and release them:
        their rows stay running and their files stay, to be claimed at once."""
        tasks = list(self._tasks.items())
        if self._sweeper is not None:
            self._sweeper.cancel()
        for _, task in tasks:
            task.cancel()
        waiting = [t for _, t in tasks] + ([self._sweeper] if self._sweeper else [])
        if waiting:
            await asyncio.wait(waiting, timeout=10)
        if tasks:
            with contextlib.suppress(Exception):
                async with pool.acquire() as conn:
                    await store.release_imports(conn, [i for i, _ in tasks])
