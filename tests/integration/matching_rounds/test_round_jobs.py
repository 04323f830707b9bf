"""Rounds as background jobs over real PostgreSQL and Kafka: a round left 'running' (the
service stopped or crashed) is resumed at start-up from its stored input and ends as the
original did; one whose stored input cannot be solved ends 'failed' with the error; a round
that is not ready refuses publishing and overrides (409 round_not_ready); progress is
written while the job runs, and stopping the service stops the job's worker thread."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest

from fanxiang_common.db.pool import connect
from fanxiang_local.testing import SettingsFactory, eventually, serve_in_process
from matching_service import jobs
from matching_service.app import create_app
from matching_service.settings import MatchingSettings

from .test_rounds import (
    COORDINATOR,
    COUNTY_B,
    EXPECTED,
    SEASON,
    feed_season,
    fetch,
    run_to_review,
)

pytestmark = pytest.mark.integration

REQUEST = {"season_id": SEASON, "rules": {"locality": "home-county"}, "seed": 7}
# A copy of a finished round, as a crashed process would have left it: input only.
COPY_AS_RUNNING = """
    INSERT INTO round (round_id, season_id, kind, locality, seed, input_sha256, instance,
                       post_facts, student_facts, created_by, based_on, status, progress)
    SELECT $2, season_id, kind, locality, seed, input_sha256, {instance}, post_facts,
           student_facts, created_by, based_on, 'running', '{{"phase": "solve", "done": 2,
           "total": 5}}'::jsonb
    FROM round WHERE round_id = $1"""


async def execute(dsn: str, sql: str, *args: Any) -> None:
    conn = await connect(dsn)
    try:
        await conn.execute(sql, *args)
    finally:
        await conn.close()


async def test_running_rounds_resume_at_start_and_broken_ones_fail(
    service_settings: SettingsFactory,
) -> None:
    # No sweep while the first app runs: the rows inserted below stay 'running' until restart.
    settings = service_settings(MatchingSettings, round_sweep_interval_s=3600)
    app = create_app(settings)
    async with serve_in_process(app) as m:
        await feed_season(settings, app)
        original = await run_to_review(m, REQUEST)
        assert original["assignments"] == EXPECTED
        await execute(
            settings.database_url,
            COPY_AS_RUNNING.format(instance="instance"),
            original["round_id"],
            "R-resumed",
        )
        # A stored input the solver refuses (a capacity that is not a number): 'failed'.
        await execute(
            settings.database_url,
            COPY_AS_RUNNING.format(instance="""jsonb_set(instance, '{posts,0,capacity}', '"x"')"""),
            original["round_id"],
            "R-broken",
        )

        running = (await m.get("/v1/rounds/R-resumed", headers=COORDINATOR)).json()
        assert running["status"] == "running"
        assert running["progress"] == {"phase": "solve", "done": 2, "total": 5}
        assert running["figures"] is None and running["assignments"] is None
        for path, body in (
            ("publish", None),
            ("overrides", {"student_id": "S1", "post_id": None, "reason": "x"}),
        ):
            refused = await m.post(f"/v1/rounds/R-resumed/{path}", json=body, headers=COORDINATOR)
            assert refused.status_code == 409, refused.text
            [detail] = refused.json()["detail"]
            assert detail["type"] == "round_not_ready" and "still running" in detail["msg"]
        why = await m.get("/v1/rounds/R-resumed/students/S1", headers=COORDINATOR)
        assert why.status_code == 409
        listed = (await m.get("/v1/rounds", headers=COORDINATOR)).json()
        assert {r["round_id"]: r["status"] for r in listed}["R-resumed"] == "running"

    # The service starts again: it takes up both rounds.
    again = create_app(settings)
    async with serve_in_process(again) as m:

        async def both_done() -> dict[str, dict[str, Any]] | None:
            rounds = {
                r["round_id"]: r for r in (await m.get("/v1/rounds", headers=COORDINATOR)).json()
            }
            pending = [r for r in ("R-resumed", "R-broken") if rounds[r]["status"] == "running"]
            return None if pending else rounds

        listed = await eventually(both_done, within=60, what="the left rounds resumed")
        assert listed["R-resumed"]["status"] == "run"
        assert listed["R-broken"]["status"] == "failed"
        resumed = (await m.get("/v1/rounds/R-resumed", headers=COORDINATOR)).json()
        assert resumed["assignments"] == original["assignments"]
        assert resumed["unmatched"] == original["unmatched"]
        assert resumed["checks"]["stable"] and resumed["progress"] is None
        assert resumed["input_sha256"] == original["input_sha256"]
        broken = (await m.get("/v1/rounds/R-broken", headers=COORDINATOR)).json()
        assert broken["error"].startswith("InvalidInstance") and "capacity" in broken["error"]
        assert broken["assignments"] is None and broken["progress"] is None
        refused = await m.post("/v1/rounds/R-broken/publish", headers=COORDINATOR)
        assert refused.status_code == 409
        [detail] = refused.json()["detail"]
        assert detail["type"] == "round_not_ready" and "failed" in detail["msg"]
        # 属地管理 exceptions are per student, recorded with the round and who ran it.
        exempt = await run_to_review(m, {**REQUEST, "locality_exceptions": ["S3"]})
        assert exempt["locality_exceptions"] == ["S3"]
        assert exempt["created_by"] == "coordinator-1"
        why = await m.get(f"/v1/rounds/{exempt['round_id']}/students/S3", headers=COORDINATOR)
        # P1 is in another county: without the exception it says so; with it, P1's unit
        # simply did not score S3.
        assert why.json()["not_placed_higher"] == [
            {"post": "P1", "reason": "not_acceptable", "detail": "not_ranked"}
        ]
        assert original["locality_exceptions"] == []
        county = await m.get(f"/v1/rounds/{exempt['round_id']}", headers=COUNTY_B)
        assert county.json()["locality_exceptions"] is None
        # A round whose stability check found a blocking pair is never published.
        await execute(
            settings.database_url,
            """UPDATE round SET checks = jsonb_set(checks, '{blocking_pairs}',
                   '[{"student": "S7", "post": "P1", "reason": "prefers"}]')
               WHERE round_id = $1""",
            exempt["round_id"],
        )
        unstable = await m.post(f"/v1/rounds/{exempt['round_id']}/publish", headers=COORDINATOR)
        assert unstable.status_code == 409
        assert unstable.json()["detail"][0]["type"] == "unstable"
        # OpenAPI says how a run is answered.
        spec = (await m.get("/openapi.json")).json()
        assert "202" in spec["paths"]["/v1/rounds"]["post"]["responses"]
        # The resumed round is an ordinary round: it publishes.
        published = await m.post("/v1/rounds/R-resumed/publish", headers=COORDINATOR)
        assert published.status_code == 200, published.text

    # The database keeps a failed round as it is, and a round's input as it was accepted.
    conn = await connect(settings.database_url)
    try:
        with pytest.raises(Exception, match="immutable"):
            await conn.execute("UPDATE round SET error = 'x' WHERE round_id = 'R-broken'")
        with pytest.raises(Exception, match="input is fixed"):
            await conn.execute(
                "UPDATE round SET seed = 1 WHERE round_id = $1", original["round_id"]
            )
        with pytest.raises(Exception, match="status may not go"):
            await conn.execute(
                "UPDATE round SET status = 'running', result = NULL WHERE round_id = $1",
                original["round_id"],
            )
    finally:
        await conn.close()


async def test_progress_is_written_and_shutdown_stops_the_job(
    service_settings: SettingsFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A slow stand-in for the computation (the real one takes a second only at 10^5
    students): it reports progress until told to stop, as the solver does between rounds."""
    stopped = threading.Event()
    calls = 0

    def slow_compute(*args: Any, progress: Any, **kwargs: Any) -> Any:
        nonlocal calls
        try:
            for i in range(600):
                calls += 1
                progress("solve", i, 600)
                time.sleep(0.02)
        except Exception:
            stopped.set()
            raise
        raise AssertionError("the job was not stopped")

    settings = service_settings(MatchingSettings, round_sweep_interval_s=3600)
    app = create_app(settings)
    async with serve_in_process(app) as m:
        await feed_season(settings, app)
        monkeypatch.setattr(jobs.computation, "compute", slow_compute)
        accepted = await m.post("/v1/rounds", json=REQUEST, headers=COORDINATOR)
        assert accepted.status_code == 202, accepted.text
        round_id = accepted.json()["round_id"]
        assert accepted.json()["status"] == "running"

        async def solving() -> dict[str, Any] | None:
            got = (await m.get(f"/v1/rounds/{round_id}", headers=COORDINATOR)).json()
            progress = got["progress"]
            return progress if progress and progress["phase"] == "solve" else None

        first = await eventually(solving, what="progress in the round")
        await asyncio.sleep(1.0)
        later = await solving()
        assert later is not None and later["done"] > first["done"] and later["total"] == 600
        assert calls > 20  # the stand-in really ran in the worker thread
    # The lifespan ended: the worker thread was told to stop, the round is left 'running'.
    assert stopped.wait(5), "the worker thread kept running after shutdown"
    [row] = await fetch(
        settings.database_url, "SELECT status, progress FROM round WHERE round_id = $1", round_id
    )
    assert row["status"] == "running" and row["progress"]["phase"] == "solve"
