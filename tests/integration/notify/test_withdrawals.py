"""A student cancels a booked interview slot: the reminder scheduled for it is withdrawn (not
in the inbox when its time comes, its deliveries cancelled with a trail step), while the
notice that announced the interview stays. Another interview's reminder is untouched."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fanxiang_common.events.placement import InterviewCancelledV1, InterviewScheduledV1
from fanxiang_local.testing import SettingsFactory, eventually, serve_in_process
from notify_service.app import create_app
from notify_service.settings import NotifySettings

from .conftest import channels_to, fetch, publish
from .events import post, student

pytestmark = pytest.mark.integration


def scheduled(pid: str, at: datetime) -> InterviewScheduledV1:
    return InterviewScheduledV1(
        application_id="APP-S-1", student_id="S-1", post_id=pid, unit_id="U-1", at=at,
        place="二楼会议室",
    )  # fmt: skip


async def test_a_cancelled_interview_takes_its_reminder_with_it(
    service_settings: SettingsFactory,
) -> None:
    settings = service_settings(NotifySettings, **channels_to(), smtp_host="127.0.0.1")
    at = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    async with serve_in_process(create_app(settings)):
        await publish(settings, student("S-1"), post("P-1"), post("P-2", title="图书馆助理"))
        await publish(settings, scheduled("P-1", at), scheduled("P-2", at + timedelta(hours=2)))

        async def two_reminders() -> list[dict[str, object]]:
            return await fetch(
                settings,
                """SELECT n.params ->> 'post_id' AS post, d.channel, d.status
                     FROM notification n JOIN delivery d USING (notification_id)
                    WHERE n.purpose = 'interview-reminder' ORDER BY 1, 2""",
            )

        before = await eventually(
            lambda: _at_least(two_reminders, 4), what="both reminders scheduled"
        )
        assert {r["post"] for r in before} == {"P-1", "P-2"}

        await publish(
            settings,
            InterviewCancelledV1(
                application_id="APP-S-1", student_id="S-1", post_id="P-1", unit_id="U-1", at=at
            ),
            sequence=2,
        )

        async def withdrawn() -> bool:
            # Its queued deliveries (the inbox here; SMS and WeChat were skipped, as no
            # provider is configured) are cancelled; nothing of it is left to send.
            statuses = {r["status"] for r in await two_reminders() if r["post"] == "P-1"}
            return "cancelled" in statuses and "queued" not in statuses

        await eventually(withdrawn, what="the P-1 reminder withdrawn")
        rows = await two_reminders()
        assert {r["status"] for r in rows if r["post"] == "P-2"} == {"queued", "skipped"}
        [p1] = await fetch(
            settings,
            "SELECT in_inbox FROM notification WHERE purpose = 'interview-reminder'"
            " AND params ->> 'post_id' = 'P-1'",
        )
        assert p1["in_inbox"] is False
        steps = await fetch(
            settings,
            "SELECT count(*) AS n FROM delivery_step WHERE status = 'cancelled'"
            " AND detail = 'the interview was cancelled'",
        )
        assert steps[0]["n"] == sum(1 for r in rows if r["status"] == "cancelled")
        announced = await fetch(
            settings,
            "SELECT count(*) AS n FROM notification WHERE purpose = 'interview-scheduled'"
            " AND in_inbox",
        )
        assert announced[0]["n"] == 2  # the notices stay, as a record


async def _at_least(query, n: int):  # type: ignore[no-untyped-def]
    rows = await query()
    return rows if len(rows) >= n else None
