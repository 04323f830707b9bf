"""Survey service benchmark: an import over HTTP into real PostgreSQL, then the analysis of the
stored responses cold, cached, and after one new response (which invalidates the cache), and
the PDF report cold and cached.

    export TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:56432/postgres
    export TEST_KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:39092
    .venv/bin/python bench/survey/service.py --responses 100000

The service runs in this process (its lifespan, database, Kafka relay) on a fresh database
and topic namespace, dropped at the end. The export is the one run.py caches (.dev/bench/survey).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import _cpu, ensure_export

from fanxiang_common.auth import Role
from fanxiang_common.db.pool import drop_database
from fanxiang_common.kafka.admin import ensure_topics
from fanxiang_local.testing import SettingsFactory, bearer, serve_in_process
from survey_service.app import create_app
from survey_service.settings import SurveySettings

QID = "fanxiang-return-home-survey"
COORDINATOR = bearer(Role.COORDINATOR, subject="bench")


async def _timed(client: Any, url: str, **params: str) -> tuple[float, Any]:
    t = time.perf_counter()
    r = await client.get(url, params=params, headers=COORDINATOR, timeout=600)
    assert r.status_code == 200, r.text[:500]
    return time.perf_counter() - t, r


async def bench(n: int, fmt: str, import_only: bool = False) -> None:
    path = ensure_export(n, fmt)
    pg = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:56432/postgres")
    kafka = os.environ.get("TEST_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:39092")
    factory = SettingsFactory(pg, kafka)
    await ensure_topics(kafka, namespace=factory.namespace)
    settings = factory(SurveySettings, log_level="WARNING")
    analysis = f"/v1/questionnaires/{QID}/analysis"
    report = f"/v1/questionnaires/{QID}/report"
    try:
        async with serve_in_process(create_app(settings)) as client:
            t, cpu = time.perf_counter(), _cpu()
            body = await asyncio.to_thread(path.read_bytes)
            r = await client.post(
                "/v1/imports",
                files={"file": (path.name, body)},
                params={"background": "true"},
                headers=COORDINATOR,
                timeout=600,
            )
            del body
            assert r.status_code == 202, r.text
            import_id = r.json()["import_id"]
            while True:
                await asyncio.sleep(1)
                s = (await client.get(f"/v1/imports/{import_id}", headers=COORDINATOR)).json()
                if s["status"] != "running":
                    break
            assert s["status"] == "finished", s
            print(
                f"import over HTTP ({fmt}, {s['stored']:,} stored): "
                f"{time.perf_counter() - t:.1f} s (this process's CPU {_cpu() - cpu:.1f} s), "
                f"load average {os.getloadavg()[0]:.1f}",
                flush=True,
            )
            if import_only:
                return
            cold, first = await _timed(client, analysis)
            warm = [(await _timed(client, analysis))[0] for _ in range(5)]
            r = await client.post(
                f"/v1/questionnaires/{QID}/responses",
                json={"answers": {"1": "女", "2": "大三", "5": "盂县", "11": 4}},
                headers=COORDINATOR,
            )
            assert r.status_code == 201
            again, second = await _timed(client, analysis)
            assert second.json()["responses"] == first.json()["responses"] + 1
            pdf_cold, _ = await _timed(client, report, format="pdf")
            pdf_warm, _ = await _timed(client, report, format="pdf")
            print(f"analysis, cold:                {cold:8.3f} s")
            print(f"analysis, cached (median of 5): {statistics.median(warm):8.3f} s")
            print(f"analysis after 1 new response:  {again:8.3f} s")
            print(f"ratio cold / cached:            {cold / statistics.median(warm):8.0f}x")
            print(
                f"PDF report, cold (analysis cached): {pdf_cold:6.2f} s; cached: {pdf_warm:.3f} s"
            )
    finally:
        for url in factory.databases:
            with contextlib.suppress(Exception):
                await drop_database(url)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--responses", type=int, default=100000)
    ap.add_argument("--format", default="csv", choices=["csv", "xlsx"])
    ap.add_argument("--import-only", action="store_true", help="stop after the import")
    args = ap.parse_args()
    asyncio.run(bench(args.responses, args.format, args.import_only))


if __name__ == "__main__":
    main()
