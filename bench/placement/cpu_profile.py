"""Where a submission's CPU goes inside the service: the app in this process (no HTTP
socket, no uvicorn), N sequential `POST /v1/applications`, CPU per request and a cProfile.

    .venv/bin/python bench/placement/cpu_profile.py [--requests 2000] [--top 40]  (--top 0: timing only)

Uses DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS if set, else throwaway local ones. Sequential
requests show the per-request cost without queueing; the outbox relay runs in the same
process, as in production, and is included.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import random
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from asgi_lifespan import LifespanManager

from fanxiang_common import devkeys
from fanxiang_common.auth import Principal, Role, issue_token
from fanxiang_common.db.pool import drop_database, ensure_database
from fanxiang_common.kafka.admin import ensure_topics
from placement_service.app import create_app
from placement_service.settings import PlacementSettings

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
from infra import infrastructure  # noqa: E402
from run import SEASON, seed_students  # noqa: E402


async def setup(c: httpx.AsyncClient) -> list[str]:
    code = (await c.post("/v1/auth/codes", json={"phone": "13800000000"})).json()["dev_code"]
    token = (await c.post("/v1/auth/tokens", json={"phone": "13800000000", "code": code})).json()[
        "access_token"
    ]
    h = {"Authorization": f"Bearer {token}"}
    window = {"open": "2026-01-01T00:00:00Z", "close": "2099-01-01T00:00:00Z"}
    r = await c.post(
        "/v1/seasons",
        headers=h,
        json={
            "season_id": SEASON,
            "name": "bench",
            **{f"{p}_open": window["open"] for p in ("posts", "applications", "interviews")},
            **{f"{p}_close": window["close"] for p in ("posts", "applications", "interviews")},
            "on_post_start": "2026-07-01",
            "on_post_end": "2026-08-31",
        },
    )
    r.raise_for_status()
    unit = await c.post(
        "/v1/units",
        headers=h,
        json={
            "name": "单位",
            "unit_type": "党政机关",
            "county": "140302",
            "contact_name": "联系人",
            "contact_phone": "13700000001",
        },
    )
    unit.raise_for_status()
    posts = []
    for i in range(30):
        r = await c.post(
            "/v1/posts",
            headers=h,
            params={"publish": "true"},
            json={
                "season_id": SEASON,
                "unit_id": unit.json()["unit_id"],
                "title": f"岗位{i}",
                "category": "政务实践",
                "county": "140302",
                "capacity": 3,
            },
        )
        r.raise_for_status()
        posts.append(r.json()["post_id"])
    return posts


async def print_plans(app: Any) -> None:
    """How PostgreSQL planned the prepared statements of a pooled connection: a statement
    planned anew for each execution (custom plans) costs PostgreSQL CPU every time."""
    async with app.state.runtime.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT generic_plans, custom_plans, left(regexp_replace(statement, '\\s+', ' ',"
            " 'g'), 90) AS statement FROM pg_prepared_statements ORDER BY custom_plans DESC"
        )
    for r in rows:
        print(f"generic {r['generic_plans']:6} custom {r['custom_plans']:6}  {r['statement']}")


async def main(
    n: int,
    top: int,
    cpu_timer: bool = False,
    sort: str = "tottime",
    plans: bool = False,
    save: str | None = None,
) -> None:
    with infrastructure() as (pg_url, bootstrap):
        ns = f"prof{uuid.uuid4().hex[:6]}."
        await ensure_topics(bootstrap, namespace=ns)
        dsn = pg_url.rsplit("/", 1)[0] + f"/fx_prof_placement_{uuid.uuid4().hex[:6]}"
        await ensure_database(dsn)
        settings = PlacementSettings(
            environment="test",
            database_url=dsn,
            database_server_url=pg_url,
            kafka_bootstrap_servers=bootstrap,
            kafka_namespace=ns,
            log_level="WARNING",
            log_format="text",
        )
        app = create_app(settings)
        try:
            async with (
                LifespanManager(app, startup_timeout=120) as manager,
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=manager.app), base_url="http://p"
                ) as c,
            ):
                posts = await setup(c)
                rng = random.Random(7)
                students = await seed_students(dsn, 2 * n + 200 if top else n + 200, "p")
                calls = [
                    (
                        {
                            "Authorization": "Bearer "
                            + issue_token(
                                Principal(subject=sid, role=Role.STUDENT), devkeys.PRIVATE_KEY
                            ),
                            "Idempotency-Key": uuid.uuid4().hex,
                        },
                        {"season_id": SEASON, "choices": rng.sample(posts, 5)},
                    )
                    for sid in students
                ]
                for headers, body in calls[:200]:  # warm up
                    assert (
                        await c.post("/v1/applications", headers=headers, json=body)
                    ).status_code == 201
                measured = calls[200 : 200 + n]
                cpu, wall = time.process_time(), time.perf_counter()
                for headers, body in measured:
                    r = await c.post("/v1/applications", headers=headers, json=body)
                    assert r.status_code == 201, r.text
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                profiler = cProfile.Profile(time.process_time) if cpu_timer else cProfile.Profile()
                if top:
                    profiler.enable()
                    for headers, body in calls[200 + n :]:
                        await c.post("/v1/applications", headers=headers, json=body)
                    profiler.disable()
                await asyncio.sleep(1)
                if plans:
                    await print_plans(app)
        finally:
            await drop_database(dsn)
    if top:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        if save:
            stats.dump_stats(save)
        stats.sort_stats(sort).print_stats(top)
        print(out.getvalue())
    print(
        f"{n} sequential submissions: {cpu / n * 1000:.2f} ms CPU and {wall / n * 1000:.2f} ms"
        " wall per request (the in-process HTTP client included; measured without the profiler)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--top", type=int, default=40, help="0: no profile, only the timing")
    parser.add_argument(
        "--cpu-timer",
        action="store_true",
        help="profile CPU time (time.process_time) instead of wall time: waits drop out",
    )
    parser.add_argument("--sort", default="tottime", help="pstats order, e.g. cumulative")
    parser.add_argument(
        "--plans", action="store_true", help="print the prepared statements' plan counts"
    )
    parser.add_argument("--save", help="also write the cProfile stats to this file")
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.top, args.cpu_timer, args.sort, args.plans, args.save))
