"""Application submissions through placement's HTTP API, with PostgreSQL and the outbox in
the loop: p99 at fixed rates (target ≤ 50 ms at 500 req/s on a 2-core machine) and the
most a closed loop gets through; then checks that nothing was lost (every 201 is a row, and
an event on placement.applications.v1).

    .venv/bin/python bench/placement/run.py [--rates 100,200,300,500] [--duration 20] [--workers 2]

The service runs as a real process (uvicorn, placement_service.app:create_app); the load
comes from another process (load.py). Setup (season, units, published posts) goes through
the API; the students (profiles and consents) are written with COPY and their tokens minted
with the development key, because only the submissions are under test.
Kafka and PostgreSQL: KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL if set, else throwaway local ones.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import orjson
from aiokafka import AIOKafkaConsumer

from fanxiang_common import devkeys
from fanxiang_common.auth import Principal, Role, issue_token
from fanxiang_common.db.pool import connect, drop_database, ensure_database
from fanxiang_common.kafka.admin import ensure_topics
from fanxiang_local.proc import free_port

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from infra import infrastructure  # noqa: E402

SEASON = "bench-2026"
COUNTIES = ["140302", "140303", "140311", "140321", "140322"]


def _cpu_seconds(match: Callable[[int, str], bool]) -> float:
    """User + system CPU seconds of the live processes ``match(pid, stat)`` selects."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = raw.rsplit(")", 1)[1].split()
        if match(int(entry), raw):
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def service_cpu(root: int) -> float:
    """The service process and its uvicorn workers."""
    return _cpu_seconds(
        lambda pid, raw: pid == root or raw.rsplit(")", 1)[1].split()[1] == str(root)
    )


def postgres_cpu() -> float:
    return _cpu_seconds(lambda pid, raw: "(postgres)" in raw)


def start_service(
    port: int, dsn: str, pg_url: str, bootstrap: str, ns: str, workers: int
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "FANXIANG_ENV": "test",
        "PLACEMENT_DATABASE_URL": dsn,
        "DATABASE_URL": pg_url,
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "KAFKA_NAMESPACE": ns,
        "LOG_LEVEL": "WARNING",
        "LOG_FORMAT": "text",
    }
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "placement_service.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--log-level",
        "warning",
        "--workers",
        str(workers),
    ]
    return subprocess.Popen(cmd, env=env)


def start_anchor(port: int, dsn: str, workers: int) -> subprocess.Popen[bytes]:
    """The floor to compare with (anchor.py), served exactly as placement is."""
    env = {**os.environ, "ANCHOR_DATABASE_URL": dsn}
    cmd = [
        sys.executable, "-m", "uvicorn", "anchor:app", "--app-dir", str(HERE),
        "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--loop", "uvloop",
        "--http", "httptools", "--log-level", "warning", "--workers", str(workers),
    ]  # fmt: skip
    return subprocess.Popen(cmd, env=env)


async def anchor_closed_loop(
    pg_url: str, workers: int, request_path: str, seconds: float
) -> dict[str, object]:
    dsn = pg_url.rsplit("/", 1)[0] + f"/fx_bench_anchor_{uuid.uuid4().hex[:6]}"
    await ensure_database(dsn)
    port = free_port()
    anchor = start_anchor(port, dsn, workers)
    try:
        deadline = time.monotonic() + 60
        while not _port_open(port) and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.2)
        return run_load(port, request_path, "--concurrency", "32", "--duration", str(seconds))
    finally:
        anchor.terminate()
        anchor.wait(timeout=30)
        await drop_database(dsn)


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


async def wait_ready(base: str, within: float = 120) -> None:
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(base_url=base) as c:
        while time.monotonic() < deadline:
            try:
                if (await c.get("/readyz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.5)
    raise RuntimeError("the service did not become ready")


async def setup_posts(base: str, n_units: int, n_posts: int) -> list[str]:
    async with httpx.AsyncClient(base_url=base, timeout=30) as c:
        code = (await c.post("/v1/auth/codes", json={"phone": "13800000000"})).json()["dev_code"]
        token = (
            await c.post("/v1/auth/tokens", json={"phone": "13800000000", "code": code})
        ).json()["access_token"]
        h = {"Authorization": f"Bearer {token}"}
        r = await c.post(
            "/v1/seasons",
            headers=h,
            json={
                "season_id": SEASON,
                "name": "bench",
                "posts_open": "2026-01-01T00:00:00Z",
                "posts_close": "2099-01-01T00:00:00Z",
                "applications_open": "2026-01-01T00:00:00Z",
                "applications_close": "2099-01-01T00:00:00Z",
                "interviews_open": "2026-01-01T00:00:00Z",
                "interviews_close": "2099-01-01T00:00:00Z",
                "on_post_start": "2026-07-01",
                "on_post_end": "2026-08-31",
            },
        )
        r.raise_for_status()
        units = []
        for i in range(n_units):
            r = await c.post(
                "/v1/units",
                headers=h,
                json={
                    "name": f"单位{i}",
                    "unit_type": "党政机关",
                    "county": COUNTIES[i % 5],
                    "contact_name": "联系人",
                    "contact_phone": f"137{i:08d}",
                },
            )
            r.raise_for_status()
            units.append((r.json()["unit_id"], COUNTIES[i % 5]))
        posts = []
        for i in range(n_posts):
            unit_id, county = units[i % n_units]
            r = await c.post(
                "/v1/posts",
                headers=h,
                params={"publish": "true"},
                json={
                    "season_id": SEASON,
                    "unit_id": unit_id,
                    "title": f"岗位{i}",
                    "category": "政务实践",
                    "county": county,
                    "capacity": 3,
                },
            )
            r.raise_for_status()
            posts.append(r.json()["post_id"])
        return posts


async def seed_students(dsn: str, n: int, prefix: str) -> list[str]:
    ids = [f"S-{prefix}{i:07d}" for i in range(n)]
    conn = await connect(dsn)
    try:
        await conn.copy_records_to_table(
            "account",
            columns=["account_id", "phone", "role", "created_by"],
            records=[
                (sid, f"15{prefix[-1]}{i:08d}", "student", "bench") for i, sid in enumerate(ids)
            ],
        )
        await conn.copy_records_to_table(
            "student",
            columns=[
                "student_id",
                "name",
                "phone",
                "university",
                "university_city",
                "university_province",
                "grade",
                "major",
                "home_county",
            ],
            records=[
                (
                    sid,
                    "学生",
                    f"15{prefix[-1]}{i:08d}",
                    "山西大学",
                    "太原",
                    "山西",
                    "大二",
                    "法学",
                    COUNTIES[i % 5],
                )
                for i, sid in enumerate(ids)
            ],
        )
        await conn.copy_records_to_table(
            "consent",
            columns=["student_id", "purpose", "granted", "version"],
            records=[(sid, "share_with_units", True, "bench") for sid in ids],
        )
    finally:
        await conn.close()
    return ids


def request_file(students: list[str], posts: list[str]) -> str:
    rng = random.Random(7)
    fd, path = tempfile.mkstemp(prefix="fx-bench-requests-", suffix=".jsonl")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        for sid in students:
            token = issue_token(Principal(subject=sid, role=Role.STUDENT), devkeys.PRIVATE_KEY)
            body = {"season_id": SEASON, "choices": rng.sample(posts, 5)}
            f.write(json.dumps({"token": token, "body": body, "key": uuid.uuid4().hex}) + "\n")
    return path


def run_load(port: int, path: str, *args: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, str(HERE / "load.py"), "--port", str(port), "--requests", path, *args],
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


async def count_events(bootstrap: str, topic: str, expected: int, within: float = 120) -> int:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    subjects: set[str] = set()
    try:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline and len(subjects) < expected:
            batch = await consumer.getmany(timeout_ms=1000, max_records=5000)
            for records in batch.values():
                for r in records:
                    event = orjson.loads(r.value)
                    if event["type"] == "placement.application.submitted.v1":
                        subjects.add(event["subject"])
    finally:
        await consumer.stop()
    return len(subjects)


async def fixed_rate(
    port: int,
    dsn: str,
    service: subprocess.Popen[bytes],
    posts: list[str],
    rate: float,
    duration: float,
    tag: str,
) -> dict[str, object]:
    students = await seed_students(dsn, int(rate * duration) + 10, tag)
    path = request_file(students, posts)
    before = service_cpu(service.pid), postgres_cpu()
    result = run_load(port, path, "--rate", str(rate), "--duration", str(duration))
    after = service_cpu(service.pid), postgres_cpu()
    n = int(result["sent"])  # type: ignore[call-overload]
    result["service_cpu_ms_per_req"] = round((after[0] - before[0]) / n * 1000, 2)
    result["postgres_cpu_ms_per_req"] = round((after[1] - before[1]) / n * 1000, 2)
    result["load_average_1m"] = round(os.getloadavg()[0], 1)
    os.unlink(path)
    return result


async def main(rates: list[float], duration: float, workers: int, closed_s: float) -> None:
    with infrastructure() as (pg_url, bootstrap):
        ns = f"bench{uuid.uuid4().hex[:6]}."
        await ensure_topics(bootstrap, namespace=ns)
        dsn = pg_url.rsplit("/", 1)[0] + f"/fx_bench_placement_{uuid.uuid4().hex[:6]}"
        # Created here: two uvicorn workers racing CREATE DATABASE can both fail it.
        await ensure_database(dsn)
        port = free_port()
        service = start_service(port, dsn, pg_url, bootstrap, ns, workers)
        base = f"http://127.0.0.1:{port}"
        try:
            await wait_ready(base)
            posts = await setup_posts(base, n_units=20, n_posts=60)
            warm_up = await fixed_rate(port, dsn, service, posts, 100, 5, "w")
            runs = []
            for i, rate in enumerate(rates):
                await asyncio.sleep(2)
                runs.append(await fixed_rate(port, dsn, service, posts, rate, duration, f"r{i}"))
            await asyncio.sleep(2)
            closed = await seed_students(dsn, 40_000, "c")
            closed_file = request_file(closed, posts)
            capacity = run_load(
                port, closed_file, "--concurrency", "32", "--duration", str(closed_s)
            )
            # The anchor, on the same requests, right after: the same machine state.
            floor = await anchor_closed_loop(pg_url, workers, closed_file, closed_s)
            os.unlink(closed_file)
            created = sum(
                int(r["statuses"].get("201", 0))  # type: ignore[attr-defined]
                for r in (warm_up, *runs, capacity)
            )
            conn = await connect(dsn)
            try:
                deadline = time.monotonic() + 120
                while await conn.fetchval("SELECT count(*) FROM outbox") and (  # noqa: ASYNC110
                    time.monotonic() < deadline
                ):
                    await asyncio.sleep(0.5)
                rows = await conn.fetchval("SELECT count(*) FROM application")
            finally:
                await conn.close()
            events = await count_events(bootstrap, f"{ns}placement.applications.v1", created)
        finally:
            service.terminate()
            service.wait(timeout=30)
            await drop_database(dsn)
    print(
        json.dumps(
            {"fixed_rate": runs, "closed_loop": capacity, "anchor_closed_loop": floor},
            ensure_ascii=False,
        )
    )
    print(
        f"application submissions (POST /v1/applications, 5 choices, Idempotency-Key), "
        f"uvicorn workers={workers}, fixed-rate runs of {duration:g} s"
    )
    print(
        "| run | achieved req/s | p50 ms | p99 ms | max ms | service CPU ms/req "
        "| PostgreSQL CPU ms/req | load avg |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in runs:
        print(
            f"| fixed {r['rate']}/s | {r['throughput']} | {r['p50_ms']} | {r['p99_ms']} | "
            f"{r['max_ms']} | {r['service_cpu_ms_per_req']} | {r['postgres_cpu_ms_per_req']} "
            f"| {r['load_average_1m']} |"
        )
    print(
        f"| closed loop, 32 conns | {capacity['throughput']} | {capacity['p50_ms']} | "
        f"{capacity['p99_ms']} | {capacity['max_ms']} | | | |"
    )
    bad = [r for r in (*runs, capacity) if set(r["statuses"]) != {"201"} or r["errors"]]  # type: ignore[arg-type]
    print(
        f"| anchor (anchor.py: FastAPI + one INSERT), closed loop | {floor['throughput']} | "
        f"{floor['p50_ms']} | {floor['p99_ms']} | {floor['max_ms']} | | | |"
    )
    ratio = float(capacity["throughput"]) / float(floor["throughput"])  # type: ignore[arg-type]
    print(f"closed-loop throughput, placement / anchor: {ratio:.2f}")
    print(f"non-201 answers or connection errors in {len(bad)} runs")
    print(
        f"accepted (201): {created}; rows: {rows}; submitted events on Kafka: {events}; "
        f"lost: {created - min(rows, events)}"
    )
    met = [r["rate"] for r in runs if float(r["p99_ms"]) <= 50]  # type: ignore[arg-type]
    print(f"p99 ≤ 50 ms at: {', '.join(f'{m}/s' for m in met) or 'no rate tried'} (target: 500/s)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--rates", default="100,200,300,500", help="fixed rates to try, requests/s, comma-separated"
    )
    parser.add_argument("--duration", type=float, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--closed-seconds", type=float, default=15)
    args = parser.parse_args()
    asyncio.run(
        main(
            [float(r) for r in args.rates.split(",")],
            args.duration,
            args.workers,
            args.closed_seconds,
        )
    )
