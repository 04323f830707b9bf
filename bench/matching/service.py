"""The matching service's round at scale: accept (202), background job with progress, review,
publish — against a real PostgreSQL, in one process.

    .venv/bin/python bench/matching/service.py --students 100k
    DATABASE_URL=postgresql://postgres@127.0.0.1:55432/postgres \
        .venv/bin/python bench/matching/service.py --students 10k,100k

The read model is filled with COPY from a generated season (`domain.generate`: rankings become
descending scores, refusals stay refusals), not through Kafka: this measures rounds, not the
consumers. No Kafka is used (the service starts without it; publishing only writes the
outbox). Each size gets a fresh database, dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from typing import Any

import httpx
from asgi_lifespan import LifespanManager

from fanxiang_common.auth import Role
from fanxiang_common.db.pool import connect, drop_database
from fanxiang_local.testing import bearer
from matching_service.app import create_app
from matching_service.domain.generate import generate_instance
from matching_service.settings import MatchingSettings

SEASON = "bench"
BOSS = bearer(Role.COORDINATOR, subject="bench")


def parse_size(text: str) -> int:
    text = text.strip().lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1], 1)
    return int(float(text.rstrip("km")) * scale)


def read_model_rows(doc: dict[str, Any]) -> tuple[list[tuple[Any, ...]], ...]:
    posts = [
        (
            p["id"],
            f"U-{p['id']}",
            SEASON,
            f"岗位 {p['id']}",
            "政务实践",
            p["county"],
            None,
            p["capacity"],
            True,
            1,
        )
        for p in doc["posts"]
    ]
    apps = [
        (f"A-{s['id']}", s["id"], SEASON, s["home_county"], None, s["choices"], True, False, 1)
        for s in doc["students"]
    ]
    verdicts: list[tuple[Any, ...]] = []
    for p in doc["posts"]:
        scores = p.get("scores")
        if scores is None:  # a ranking: best first -> highest score
            n = len(p["ranking"])
            scores = {sid: float(n - i) for i, sid in enumerate(p["ranking"])}
        refused = set(p.get("refused", []))
        verdicts += [(f"A-{sid}", p["id"], sc, sid in refused, 1) for sid, sc in scores.items()]
        verdicts += [(f"A-{sid}", p["id"], None, True, 1) for sid in refused - set(scores)]
    return posts, apps, verdicts


async def load(dsn: str, doc: dict[str, Any]) -> None:
    posts, apps, verdicts = read_model_rows(doc)
    conn = await connect(dsn)
    try:
        await conn.copy_records_to_table(
            "post",
            records=posts,
            columns=[
                "post_id",
                "unit_id",
                "season_id",
                "title",
                "category",
                "county",
                "township",
                "capacity",
                "open",
                "sequence",
            ],
        )
        await conn.copy_records_to_table(
            "application",
            records=apps,
            columns=[
                "application_id",
                "student_id",
                "season_id",
                "home_county",
                "home_township",
                "choices",
                "eligible",
                "withdrawn",
                "sequence",
            ],
        )
        await conn.copy_records_to_table(
            "application_post",
            records=verdicts,
            columns=["application_id", "post_id", "score", "refused", "sequence"],
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


async def bench(n: int, server_url: str, kafka: str) -> dict[str, Any]:
    doc = generate_instance(n, max(1, int(n * 0.3)))
    tag = uuid.uuid4().hex[:8]
    settings = MatchingSettings(
        environment="test",
        database_url=server_url.rsplit("/", 1)[0] + f"/fx_bench_{tag}_matching",
        database_server_url=server_url,
        kafka_bootstrap_servers=kafka,
        kafka_namespace=f"bench{tag}.",
        log_format="text",
        log_level="WARNING",
    )
    app = create_app(settings)
    out: dict[str, Any] = {"students": n, "posts": len(doc["posts"])}
    try:
        async with (
            LifespanManager(app, startup_timeout=120, shutdown_timeout=90) as manager,
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=manager.app), base_url="http://b", timeout=600
            ) as client,
        ):
            t = time.perf_counter()
            await load(settings.database_url, doc)
            out["load_s"] = time.perf_counter() - t

            t = time.perf_counter()
            accepted = await client.post("/v1/rounds", json={"season_id": SEASON}, headers=BOSS)
            out["accept_s"] = time.perf_counter() - t
            assert accepted.status_code == 202, accepted.text
            round_id = accepted.json()["round_id"]
            phases: list[str] = []
            polls: list[float] = []
            while True:
                p0 = time.perf_counter()
                listed = await client.get("/v1/rounds", headers=BOSS)
                polls.append(time.perf_counter() - p0)
                [row] = [r for r in listed.json() if r["round_id"] == round_id]
                if row["status"] != "running":
                    break
                phase = row["progress"]["phase"]
                if not phases or phases[-1] != phase:
                    phases.append(phase)
                await asyncio.sleep(0.1)
            out["ready_s"] = time.perf_counter() - t
            out["status"] = row["status"]
            out["phases"] = " → ".join(phases)
            out["poll_max_ms"] = 1000 * max(polls)

            t = time.perf_counter()
            view = await client.get(f"/v1/rounds/{round_id}", headers=BOSS)
            out["view_s"] = time.perf_counter() - t
            out["placed"] = view.json()["figures"]["placed"]

            t = time.perf_counter()
            published = await client.post(f"/v1/rounds/{round_id}/publish", headers=BOSS)
            out["publish_s"] = time.perf_counter() - t
            assert published.status_code == 200, published.text
    finally:
        await drop_database(settings.database_url)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--students", default="100k")
    args = ap.parse_args()
    server = os.environ.get("DATABASE_URL") or os.environ.get(
        "TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:55432/postgres"
    )
    # No Kafka on purpose: rounds do not need it (offers wait in the outbox), and a shared
    # broker should not get the benchmark's topics.
    kafka = "127.0.0.1:9"
    print(
        "| students × posts | read model load s | accept (202) s | POST → ready for review s "
        "| phases seen | slowest poll ms | round view s | publish (outbox) s | placed |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for text in args.students.split(","):
        r = asyncio.run(bench(parse_size(text), server, kafka))
        print(
            f"| {r['students']:,} × {r['posts']:,} | {r['load_s']:.1f} | {r['accept_s']:.2f} "
            f"| {r['ready_s']:.2f} | {r['phases']} | {r['poll_max_ms']:.0f} | {r['view_s']:.2f} "
            f"| {r['publish_s']:.2f} | {r['placed']:,} |",
            flush=True,
        )
    load = os.getloadavg()
    print(f"\n{os.cpu_count()} cores; load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}")


if __name__ == "__main__":
    main()
