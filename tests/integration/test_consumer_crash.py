"""A consumer process killed (SIGKILL) in the middle of a batch and restarted — matching's read
model of posts, survey's store of the online form's responses — applies every event once:
nothing skipped (everything arrives after the restart) and nothing twice (one inbox claim and
one row per event). Notify's own version, with mails, is tests/integration/notify/test_crash.py.

Each service runs as a real `python -m <service>` process; the events are put on Kafka first,
so the kill lands while the consumer works through the backlog."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from fanxiang_common.db.pool import connect
from fanxiang_common.events import new_event
from fanxiang_common.events.envelope import EventData
from fanxiang_common.events.placement import PostPublishedV1
from fanxiang_common.events.survey import ResponseSubmittedV1
from fanxiang_common.settings import ServiceSettings
from fanxiang_local.proc import free_port
from fanxiang_local.testing import SettingsFactory, eventually
from matching_service.settings import MatchingSettings
from survey_service.settings import SurveySettings
from tests.integration.survey.test_survey_service import GOOD, QID

pytestmark = pytest.mark.integration
N = 1500


def _post(i: int) -> EventData:
    return PostPublishedV1(
        post_id=f"P-{i}",
        unit_id="U-1",
        season_id="2026-summer",
        title=f"岗位 {i}",
        category="政务实践",
        county="140302",
        capacity=1 + i % 3,
    )


def _response(i: int) -> EventData:
    return ResponseSubmittedV1(
        response_id=f"web-{i}",
        questionnaire_id=QID,
        answers=GOOD,
        submitted_at=datetime(2026, 8, 20, 10, 0, tzinfo=UTC),
    )


@dataclass(frozen=True)
class Case:
    package: str
    settings_class: type[ServiceSettings]
    event: Callable[[int], EventData]
    table: str
    consumer: str


CASES = {
    "matching": Case(
        "matching_service", MatchingSettings, _post, "post", "matching.read-model-posts"
    ),
    "survey": Case(
        "survey_service", SurveySettings, _response, "response", "survey.store-responses"
    ),
}


def _process(settings: ServiceSettings, package: str, log: Path) -> subprocess.Popen[bytes]:
    prefix = settings.service.upper()
    env = {
        **os.environ,
        "FANXIANG_ENV": "test",
        "DATABASE_URL": settings.database_server_url,
        f"{prefix}_DATABASE_URL": settings.database_url,
        f"{prefix}_PORT": str(free_port()),
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        "KAFKA_NAMESPACE": settings.kafka_namespace,
        "KAFKA_SESSION_TIMEOUT_MS": "6000",
        "LOG_FORMAT": "text",
        "LOG_LEVEL": "WARNING",
    }
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", package], env=env, stdout=out, stderr=out)


async def _one(settings: ServiceSettings, sql: str) -> Any:
    try:
        conn = await connect(settings.database_url)
    except Exception:  # the process has not created its database yet
        return 0
    try:
        return await conn.fetchval(sql)
    except Exception:  # nor migrated it
        return 0
    finally:
        await conn.close()


@pytest.mark.parametrize("service", sorted(CASES))
async def test_a_consumer_killed_mid_batch_applies_every_event_once(
    service: str, service_settings: SettingsFactory, tmp_path: Path
) -> None:
    case = CASES[service]
    settings = service_settings(case.settings_class)
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, linger_ms=20)
    await producer.start()
    try:
        for i in range(N):
            data = case.event(i)
            envelope = new_event(data, source="/tests", sequence=1)
            await producer.send(  # queued and batched; flushed below
                settings.topic(data.topic.name), envelope.to_bytes(), key=data.aggregate_id.encode()
            )
        await producer.flush()
    finally:
        await producer.stop()

    async def rows() -> int:
        return int(await _one(settings, f"SELECT count(*) FROM {case.table}"))

    log = tmp_path / f"{service}.log"
    first = _process(settings, case.package, log)
    try:

        async def under_way() -> int:
            return n if (n := await rows()) >= N // 10 else 0

        done = await eventually(under_way, within=120, what="the backlog under way")
        first.send_signal(signal.SIGKILL)
        first.wait()
    finally:
        if first.poll() is None:
            first.kill()
    killed_at = await rows()
    assert done <= killed_at < N, f"the kill came too late to be mid-batch ({killed_at})"

    second = _process(settings, case.package, log)
    try:

        async def all_there() -> bool:
            return await rows() == N

        await eventually(all_there, within=180, what="every event after the restart")
    finally:
        second.send_signal(signal.SIGTERM)
        try:
            second.wait(timeout=30)
        except subprocess.TimeoutExpired:
            second.kill()
    claims = await _one(settings, f"SELECT count(*) FROM inbox WHERE consumer = '{case.consumer}'")
    assert (await rows(), claims) == (N, N), log.read_text()[-2000:]
