"""Imports over their whole life, over real PostgreSQL and Kafka: an upload past the size
limit is refused while it streams (413, nothing kept), and an import interrupted by a stop is
resumed at the next start from the kept file, storing every response exactly once."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer

from fanxiang_common.auth import Role
from fanxiang_common.db.pool import connect
from fanxiang_local.testing import SettingsFactory, bearer, eventually, serve_in_process
from survey_service import importing
from survey_service.app import create_app
from survey_service.db import store
from survey_service.exportgen import generate_export
from survey_service.settings import SurveySettings

pytestmark = pytest.mark.integration

COORDINATOR = bearer(Role.COORDINATOR, subject="coordinator-1")
BOUNDARY = "fx-boundary-7f3a"


def _multipart(name: str, content: bytes) -> bytes:
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    return head + content + f"\r\n--{BOUNDARY}--\r\n".encode()


async def _chunks(body: bytes, sent: list[int]) -> AsyncIterator[bytes]:
    for i in range(0, len(body), 64 * 1024):
        sent.append(i)
        yield body[i : i + 64 * 1024]


async def _one(dsn: str, sql: str, *args: Any) -> Any:
    conn = await connect(dsn)
    try:
        return await conn.fetchval(sql, *args)
    finally:
        await conn.close()


async def test_an_upload_past_the_limit_is_refused_while_it_streams(
    service_settings: SettingsFactory, tmp_path: Path
) -> None:
    uploads = tmp_path / "uploads"
    settings = service_settings(
        SurveySettings, max_upload_bytes=200 * 1024, upload_dir=str(uploads)
    )
    small = generate_export(tmp_path / "small.csv", responses=60, seed=1, fmt="csv")
    assert small.path.stat().st_size < 200 * 1024
    big = (small.path.read_bytes() * 200)[: 2 * 1024 * 1024]  # 2 MB, ten times the limit
    async with serve_in_process(create_app(settings)) as client:
        # With a Content-Length: refused before the body is read.
        announced = await client.post(
            "/v1/imports", files={"file": ("big.csv", big)}, headers=COORDINATOR
        )
        assert announced.status_code == 413, announced.text
        [detail] = announced.json()["detail"]
        assert detail["loc"] == ["body", "file"] and detail["type"] == "too_large"
        assert "0.195312 MB" in detail["msg"]  # the limit, in the message

        # Chunked, no length: refused at the first chunk past the limit, the rest unread.
        sent: list[int] = []
        chunked = await client.post(
            "/v1/imports",
            content=_chunks(_multipart("big.csv", big), sent),
            headers={**COORDINATOR, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
        )
        assert chunked.status_code == 413, chunked.text
        assert chunked.json()["detail"][0]["type"] == "too_large"
        assert len(sent) * 64 * 1024 < 600 * 1024  # stopped near the limit, not at 2 MB

        # Nothing was kept: no import row, no file.
        assert await _one(settings.database_url, "SELECT count(*) FROM import") == 0
        assert not uploads.exists() or not any(uploads.iterdir())

        # Under the limit, the same way in, it is imported.
        ok = await client.post(
            "/v1/imports",
            content=_chunks(_multipart("small.csv", small.path.read_bytes()), []),
            headers={**COORDINATOR, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
        )
        assert ok.status_code == 201, ok.text
        assert ok.json()["stored"] == small.responses
        assert "upload_path" not in ok.json()
        assert not any(uploads.iterdir())  # the kept file goes when the import is done


async def test_an_import_interrupted_by_a_stop_is_resumed_at_the_next_start(
    service_settings: SettingsFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    uploads = tmp_path / "uploads"
    settings = service_settings(SurveySettings, upload_dir=str(uploads))
    truth = generate_export(tmp_path / "问卷星.csv", responses=1200, seed=4, fmt="csv")
    monkeypatch.setattr(importing, "BATCH", 200)

    # The service stops in the middle: the third batch's progress update never returns.
    real_progress = store.set_progress
    calls = 0
    stuck = asyncio.Event()

    async def stop_after_two_batches(conn: Any, import_id: str, rows: int, stored: int) -> None:
        nonlocal calls
        calls += 1
        if calls > 2:
            stuck.set()
            await asyncio.Event().wait()  # until cancelled by the stop
        await real_progress(conn, import_id, rows, stored)

    monkeypatch.setattr(store, "set_progress", stop_after_two_batches)
    async with serve_in_process(create_app(settings)) as client:
        started = await client.post(
            "/v1/imports",
            files={"file": (truth.path.name, truth.path.read_bytes())},
            params={"background": "true"},
            headers=COORDINATOR,
        )
        assert started.status_code == 202, started.text
        import_id = started.json()["import_id"]
        await asyncio.wait_for(stuck.wait(), timeout=120)

    dsn = settings.database_url
    assert await _one(dsn, "SELECT status FROM import WHERE import_id = $1", import_id) == (
        "running"
    )
    partial = await _one(dsn, "SELECT count(*) FROM response")
    assert 0 < partial < truth.responses  # two batches committed, the third rolled back
    kept = await _one(dsn, "SELECT upload_path FROM import WHERE import_id = $1", import_id)
    assert kept and Path(kept).parent == uploads
    assert await asyncio.to_thread(Path(kept).is_file)

    monkeypatch.setattr(store, "set_progress", real_progress)
    async with serve_in_process(create_app(settings)) as client:

        async def finished() -> dict[str, Any] | None:
            r = await client.get(f"/v1/imports/{import_id}", headers=COORDINATOR)
            body: dict[str, Any] = r.json()
            return body if body["status"] != "running" else None

        done = await eventually(finished, what="the resumed import")
        assert done is not None and done["status"] == "finished", done
        assert done["resumed"] == 1
        assert (done["stored"], done["responses"]) == (truth.responses, truth.responses)
        assert done["duplicates"] == truth.duplicates  # the first attempt's rows are not dupes
        assert await _one(dsn, "SELECT count(*) FROM response") == truth.responses
        assert await _one(dsn, "SELECT count(DISTINCT fingerprint) FROM response") == (
            truth.responses
        )
        assert not await asyncio.to_thread(Path(kept).exists)
        analysis = await client.get(
            "/v1/questionnaires/fanxiang-return-home-survey/analysis", headers=COORDINATOR
        )
        for q in analysis.json()["questions"]:
            assert q["counts"] == truth.counts[q["number"]], q["number"]

        consumer = AIOKafkaConsumer(
            settings.topic("survey.imports.v1"),
            bootstrap_servers=settings.kafka_bootstrap_servers,
            auto_offset_reset="earliest",
            group_id=None,
        )
        await consumer.start()
        seen: list[dict[str, Any]] = []
        try:

            async def announced() -> bool:
                batch = await consumer.getmany(timeout_ms=500)
                seen.extend(json.loads(r.value) for rs in batch.values() for r in rs)
                return bool(seen)

            await eventually(announced, what="ImportFinishedV1")
        finally:
            await consumer.stop()
        assert [e["data"]["stored"] for e in seen] == [truth.responses]  # announced once


async def test_an_interrupted_import_whose_file_is_gone_fails_with_a_reason(
    service_settings: SettingsFactory, tmp_path: Path
) -> None:
    # A crash (no clean stop): the heartbeat just stops; with no stale period it is claimed.
    settings = service_settings(
        SurveySettings, upload_dir=str(tmp_path / "uploads"), import_stale_s=0
    )
    async with serve_in_process(create_app(settings)):
        pass  # migrations applied
    conn = await connect(settings.database_url)
    try:
        for import_id, host in (("IMP-lost", socket.gethostname()), ("IMP-elsewhere", "peer-7")):
            await store.create_import(
                conn,
                import_id,
                "fanxiang-return-home-survey",
                "lost.xlsx",
                "coordinator-1",
                str(tmp_path / "uploads" / f"{import_id}.upload"),
                host,
            )
    finally:
        await conn.close()
    async with serve_in_process(create_app(settings)) as client:
        body = (await client.get("/v1/imports/IMP-lost", headers=COORDINATOR)).json()
        assert body["status"] == "failed" and "upload it again" in body["error"]
        # Kept on another host (not shared): left for that instance, not failed.
        other = (await client.get("/v1/imports/IMP-elsewhere", headers=COORDINATOR)).json()
        assert other["status"] == "running" and other["resumed"] == 0


async def test_an_import_is_claimed_and_finished_once(
    service_settings: SettingsFactory, tmp_path: Path
) -> None:
    settings = service_settings(SurveySettings, upload_dir=str(tmp_path / "uploads"))
    async with serve_in_process(create_app(settings)):
        pass  # migrations applied
    dsn = settings.database_url
    conns = [await connect(dsn) for _ in range(2)]
    try:
        await store.create_import(
            conns[0], "IMP-x", "fanxiang-return-home-survey", "x.csv", "c-1", "/nowhere", "h"
        )
        # Fresh heartbeat: nobody may claim it within the stale period.
        assert not await store.claim_import(conns[0], "IMP-x", 120)
        await store.release_imports(conns[0], ["IMP-x"])  # a clean stop
        claims = await asyncio.gather(*(store.claim_import(c, "IMP-x", 120) for c in conns))
        assert sorted(claims) == [False, True]  # two instances race: one wins
        counts = dict.fromkeys(
            ("data_rows", "responses", "stored", "duplicates", "rejected", "blank", "warnings"), 0
        )
        assert await store.finish_import(conns[0], "IMP-x", counts, {})
        assert not await store.finish_import(conns[1], "IMP-x", counts, {})
        await store.fail_import(conns[1], "IMP-x", "late failure")
        assert await _one(dsn, "SELECT status FROM import WHERE import_id = 'IMP-x'") == (
            "finished"
        )
    finally:
        for c in conns:
            await c.close()
