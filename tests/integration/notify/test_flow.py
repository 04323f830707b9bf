"""Events become notifications in the right inbox and on the right channels, once."""

from __future__ import annotations

from typing import Any

import pytest

from fanxiang_common.auth import Role
from fanxiang_local.testing import SettingsFactory, bearer, eventually, serve_in_process
from notify_service.app import create_app
from notify_service.channels.sink import MailSink
from notify_service.settings import NotifySettings

from .conftest import channels_to, fetch, publish
from .events import application, offer, post, student, unit

pytestmark = pytest.mark.integration
S1 = bearer(Role.STUDENT, subject="S-1")
S2 = bearer(Role.STUDENT, subject="S-2")


async def test_a_students_season_lands_in_their_inbox_and_mailbox_once(
    service_settings: SettingsFactory, mail_sink: MailSink
) -> None:
    settings = service_settings(NotifySettings, **channels_to(mail_sink))
    async with serve_in_process(create_app(settings)) as client:
        await publish(settings, student("S-1"), unit("U-1"), post("P-1"))
        await eventually(lambda: fetch(settings, "SELECT 1 FROM post_ref"), what="directory")
        await eventually(
            lambda: fetch(settings, "SELECT 1 FROM contact WHERE recipient = 'student:S-1'")
        )
        [submitted] = await publish(settings, application("S-1"))
        await publish(settings, offer("S-1"))
        await publish(settings, application("S-1"))  # a second, distinct event: a new notice

        async def inbox() -> Any:
            page = (await client.get("/v1/inbox", headers=S1)).json()
            return page if len(page["items"]) == 3 else None

        page = await eventually(inbox, what="three notices in S-1's inbox")
        purposes = sorted(i["purpose"] for i in page["items"])
        assert purposes == ["application-received", "application-received", "offer-made"]
        offer_item = next(i for i in page["items"] if i["purpose"] == "offer-made")
        assert offer_item["title"] == "录用通知"
        assert "团委办公室助理" in offer_item["body"] and "7月10日 12:00" in offer_item["body"]
        english = (await client.get("/v1/inbox", params={"lang": "en"}, headers=S1)).json()
        assert {i["title"] for i in english["items"]} == {"Offer", "Application received"}
        assert page["unread"] == 3

        # Mail: one per notice, to the address the directory learned from placement's event.
        await eventually(lambda: _mails(mail_sink, "S-1@example.edu.cn", 3), what="three mails")
        mine = [m for m in mail_sink.received if m["To"] == "S-1@example.edu.cn"]
        assert len({m["Message-ID"] for m in mine}) == 3
        assert any(m["Subject"] == "录用通知" for m in mine)

        # Redelivering the same event changes nothing.
        await _republish(settings, submitted)
        await _republish(settings, submitted)
        unit_inbox = bearer(Role.UNIT, subject="A-1", unit_id="U-1")
        await eventually(lambda: _has_post_approved(client, unit_inbox), what="unit notified")
        rows = await fetch(
            settings, "SELECT count(*) AS n FROM notification WHERE recipient = 'student:S-1'"
        )
        assert rows == [{"n": 3}]

        # Mark read: only one's own.
        nid = offer_item["notification_id"]
        assert (await client.post(f"/v1/inbox/{nid}/read", headers=S2)).status_code == 404
        assert (await client.post(f"/v1/inbox/{nid}/read", headers=S1)).status_code == 200
        assert (await client.get("/v1/inbox/unread-count", headers=S1)).json() == {"unread": 2}
        assert (await client.get("/v1/inbox", headers=S2)).json()["items"] == []

        # The trail: queued then sent on email, delivered in the inbox; SMS/WeChat off here.
        trail = (await client.get(f"/v1/notifications/{nid}/trail", headers=S1)).json()
        by_channel = {c["channel"]: c for c in trail["channels"]}
        assert [s["status"] for s in by_channel["email"]["steps"]] == ["queued", "sent"]
        assert [s["status"] for s in by_channel["inbox"]["steps"]] == ["queued", "delivered"]
        assert by_channel["sms"]["status"] == "skipped"
        assert by_channel["sms"]["last_error"] == "channel not configured"
        assert (await client.get(f"/v1/notifications/{nid}/trail", headers=S2)).status_code == 404


async def _mails(sink: MailSink, to: str, n: int) -> bool:
    count = sum(1 for m in sink.received if m["To"] == to)
    assert count <= n, "more mails than notices"
    return count == n


async def _has_post_approved(client: Any, headers: dict[str, str]) -> bool:
    items = (await client.get("/v1/inbox", headers=headers)).json()["items"]
    return any(i["purpose"] == "post-approved" for i in items)


async def _republish(settings: NotifySettings, envelope: Any) -> None:
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
    await producer.start()
    try:
        await producer.send_and_wait(
            settings.topic("placement.applications.v1"), envelope.to_bytes(), key=b"APP-S-1"
        )
    finally:
        await producer.stop()
