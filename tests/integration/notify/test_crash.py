"""A notify consumer process killed (SIGKILL) in the middle of a batch and restarted sends no
duplicates and misses nothing: Kafka redelivers what was not committed, the inbox and the
`notification_once` constraint absorb the repeats, and every student gets exactly one mail.

The consumer runs as a real `python -m notify_service` process (consumers only); the delivery
worker runs in the test's process (worker only) and mails a real SMTP server."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from fanxiang_local.testing import SettingsFactory, eventually, serve_in_process
from notify_service.app import create_app
from notify_service.channels.sink import MailSink
from notify_service.settings import NotifySettings

from .conftest import channels_to, fetch, free_port, publish
from .events import application, student

pytestmark = pytest.mark.integration
N = 1000


def _consumer_process(settings: NotifySettings, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "FANXIANG_ENV": "test",
        "NOTIFY_DATABASE_URL": settings.database_url,
        "DATABASE_URL": settings.database_server_url,
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        "KAFKA_NAMESPACE": settings.kafka_namespace,
        "KAFKA_SESSION_TIMEOUT_MS": "6000",
        "NOTIFY_PORT": str(free_port()),
        "NOTIFY_WORKER": "false",
        "NOTIFY_SMTP_HOST": "127.0.0.1",  # email is a configured channel (queued, not sent here)
        "NOTIFY_QUIET_START": settings.quiet_start.isoformat(),
        "NOTIFY_QUIET_END": settings.quiet_end.isoformat(),
        "LOG_FORMAT": "text",
        "LOG_LEVEL": "WARNING",
    }
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "notify_service"], env=env, stdout=out, stderr=out
        )


async def _count(settings: NotifySettings) -> int:
    [row] = await fetch(
        settings, "SELECT count(*) AS n FROM notification WHERE purpose = 'application-received'"
    )
    return int(row["n"])


async def test_a_consumer_killed_mid_batch_and_restarted_sends_each_notice_exactly_once(
    service_settings: SettingsFactory, mail_sink: MailSink, tmp_path: Path
) -> None:
    settings = service_settings(NotifySettings, **channels_to(mail_sink), run_consumers=False)
    log = tmp_path / "notify.log"
    # The worker-only app also migrates the database before the consumer process starts.
    async with serve_in_process(create_app(settings)):
        first = _consumer_process(settings, log)
        try:
            await publish(settings, *(student(f"S-{i}") for i in range(N)))
            await eventually(
                lambda: fetch(settings, f"SELECT 1 FROM contact HAVING count(*) = {N}"),
                within=120,
                what="the directory",
            )
            await publish(settings, *(application(f"S-{i}") for i in range(N)))

            async def started() -> int:
                return n if (n := await _count(settings)) >= N // 10 else 0

            done = await eventually(started, within=60, what="the batch under way")
            first.send_signal(signal.SIGKILL)
            first.wait()
        finally:
            if first.poll() is None:
                first.kill()
        assert done < N, "the kill came too late to be mid-batch"
        killed_at = await _count(settings)
        assert killed_at < N

        second = _consumer_process(settings, log)
        try:

            async def all_there() -> bool:
                return await _count(settings) == N

            await eventually(all_there, within=120, what="every notice after the restart")

            async def all_mailed() -> bool:
                assert len(mail_sink.received) <= N, "more mails than notices"
                return len(mail_sink.received) == N

            await eventually(all_mailed, within=120, what="every mail")
            await asyncio.sleep(2)  # anything duplicated would arrive now
        finally:
            second.send_signal(signal.SIGTERM)
            try:
                second.wait(timeout=30)
            except subprocess.TimeoutExpired:
                second.kill()

    recipients = [m["To"] for m in mail_sink.received]
    assert len(recipients) == len(set(recipients)) == N
    assert set(recipients) == {f"S-{i}@example.edu.cn" for i in range(N)}
    rows: list[dict[str, Any]] = await fetch(
        settings,
        """SELECT count(*) AS notices, count(DISTINCT recipient) AS people
             FROM notification WHERE purpose = 'application-received'""",
    )
    assert rows == [{"notices": N, "people": N}]
    [claims] = await fetch(
        settings,
        "SELECT count(*) AS n FROM inbox WHERE consumer = 'notify.application-received'",
    )
    assert claims["n"] == N
    states = await fetch(
        settings, "SELECT channel, status, count(*) AS n FROM delivery GROUP BY 1, 2 ORDER BY 1, 2"
    )
    assert {(s["channel"], s["status"]): s["n"] for s in states} == {
        ("email", "sent"): N,
        ("inbox", "delivered"): N,
    }
