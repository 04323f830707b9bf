"""Running imports of 问卷星/腾讯问卷 exports: parse in worker threads a batch at a time, store
each batch in one transaction, finish with ``ImportFinishedV1`` through the outbox — and
survive a stop.

The uploaded file is kept in the upload folder (``SURVEY_UPLOAD_DIR``) and its path recorded
on the import row until the import is finished or failed. A stop cancels the running imports
and leaves their rows ``running`` with their files; the next start runs each of them again
from the top (``resume``). That is safe because storing is idempotent: a response's key is
its fingerprint, so the rows an earlier attempt stored are not stored twice, and ``stored``
is counted from the table (rows carrying this import's id), not from the attempt.
One service instance per upload folder: an instance resumes every import its database lists
as running.
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
    """The imports running in the background of one service instance."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._tasks: set[asyncio.Task[None]] = set()

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
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

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
        # A cancellation (a stop) skips both: the file stays for the next start.

    async def resume(self, pool: asyncpg.Pool) -> list[str]:
        """Start again every import a stop interrupted; fail those whose file is gone."""
        resumed: list[str] = []
        async with pool.acquire() as conn:
            for row in await store.running_imports(conn):
                import_id = row["import_id"]
                path = Path(row["upload_path"]) if row["upload_path"] else None
                questionnaire = await store.get_questionnaire(conn, row["questionnaire_id"])
                if path is None or questionnaire is None or not path.is_file():
                    await store.fail_import(
                        conn,
                        import_id,
                        "导入在服务停止时中断，上传的文件已不在，请重新上传 / interrupted by a "
                        "stop and its uploaded file is gone: upload it again",
                    )
                    continue
                await store.mark_resumed(conn, import_id)
                log.info("resuming survey import", extra={"import_id": import_id})
                self.spawn(
                    pool, import_id, path, row["file_name"], questionnaire, row["requested_by"]
                )
                resumed.append(import_id)
        return resumed

    async def stop(self) -> None:
        """Cancel the running imports (waiting at most 10 s); their rows stay running and
        their files stay, for the next start."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=10)
