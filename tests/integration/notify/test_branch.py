"""The League branch's events through notify: an activity reaches every member's inbox once,
its cancellation only those who signed up; a nomination's decision reaches the student."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fanxiang_common.auth import Role
from fanxiang_common.events.placement import (
    BranchActivityAnnouncedV1,
    BranchActivityCancelledV1,
    BranchOfficerDecidedV1,
)
from fanxiang_local.testing import SettingsFactory, bearer, eventually, serve_in_process
from notify_service.app import create_app
from notify_service.settings import NotifySettings

from .conftest import channels_to, fetch, publish

pytestmark = pytest.mark.integration
AT = datetime.now(UTC) + timedelta(days=3)


async def test_an_activity_reaches_each_member_once(service_settings: SettingsFactory) -> None:
    settings = service_settings(NotifySettings, **channels_to())
    async with serve_in_process(create_app(settings)) as client:
        announced = BranchActivityAnnouncedV1(
            activity_id="BA-1", season_id="2026-summer", title="青年人才政策座谈会",
            starts_at=AT, kind="forum", kind_name="座谈", ends_at=AT + timedelta(hours=2),
            place="团市委会议室", capacity=40, organised_by="S-1",
            member_ids=["S-1", "S-2", "S-3"],
        )  # fmt: skip
        cancelled = BranchActivityCancelledV1(
            activity_id="BA-1", season_id="2026-summer", title="青年人才政策座谈会",
            starts_at=AT, reason="改期", signed_up_ids=["S-2"],
        )  # fmt: skip
        decided = BranchOfficerDecidedV1(
            nomination_id="BN-1", season_id="2026-summer", student_id="S-3",
            office="committee_member", office_name="委员", approved=True, decided_by="A-c",
        )  # fmt: skip
        [first] = await publish(settings, announced)
        await publish(settings, cancelled, decided)

        async def purposes(sid: str, n: int) -> list[str] | None:
            items = await client.get("/v1/inbox", headers=bearer(Role.STUDENT, subject=sid))
            got = sorted(i["purpose"] for i in items.json()["items"])
            return got if len(got) >= n else None

        assert await eventually(lambda: purposes("S-1", 1)) == ["branch-activity-announced"]
        assert await eventually(lambda: purposes("S-2", 2)) == [
            "branch-activity-announced",
            "branch-activity-cancelled",
        ]
        assert await eventually(lambda: purposes("S-3", 2)) == [
            "branch-activity-announced",
            "branch-officer-decided",
        ]
        items: Any = (
            await client.get("/v1/inbox", headers=bearer(Role.STUDENT, subject="S-1"))
        ).json()["items"]
        assert items[0]["title"] == "团支部活动" and "青年人才政策座谈会" in items[0]["body"]

        # A redelivery of the announcement makes no second notice for anyone. The marker is a
        # later event of the same activity (same key: same partition, same consumer, in order).
        await _redeliver(settings, first)
        await publish(settings, announced.model_copy(update={"member_ids": ["S-9"]}))
        await eventually(lambda: purposes("S-9", 1), what="the marker")
        rows = await fetch(
            settings,
            "SELECT recipient, count(*) AS n FROM notification"
            " WHERE purpose = 'branch-activity-announced' GROUP BY recipient ORDER BY recipient",
        )
        assert rows == [{"recipient": f"student:S-{i}", "n": 1} for i in (1, 2, 3, 9)]


async def _redeliver(settings: NotifySettings, envelope: Any) -> None:
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
    await producer.start()
    try:
        topic = settings.topic("placement.applications.v1")
        await producer.send_and_wait(topic, envelope.to_bytes(), key=envelope.subject.encode())
    finally:
        await producer.stop()
