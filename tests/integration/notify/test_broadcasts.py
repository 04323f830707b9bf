"""Liaison broadcasts reach the students studying in the liaison's city, after approval when
the coordinator requires it; liaisons see only their own."""

from __future__ import annotations

import pytest

from fanxiang_common.auth import Role
from fanxiang_local.testing import SettingsFactory, bearer, eventually, serve_in_process
from notify_service.app import create_app
from notify_service.channels.sink import MailSink
from notify_service.settings import NotifySettings

from .conftest import channels_to, fetch, publish
from .events import student

pytestmark = pytest.mark.integration
LIAISON = bearer(Role.LIAISON, "L-1", city="北京市")
OTHER_LIAISON = bearer(Role.LIAISON, "L-2", city="北京")
COORDINATOR = bearer(Role.COORDINATOR, "C-1")
NEWS = {"title": "返乡就业政策宣讲", "body": "7月20日下午在市人才中心举办宣讲会，欢迎参加。"}


async def test_a_broadcast_reaches_the_citys_students_with_figures(
    service_settings: SettingsFactory, mail_sink: MailSink
) -> None:
    settings = service_settings(NotifySettings, **channels_to(mail_sink))
    async with serve_in_process(create_app(settings)) as client:
        await publish(
            settings, student("S-1", city="北京"), student("S-2", city="北京市"),
            student("S-3", city="上海"), student("S-4", city=" 北京 "),
        )  # fmt: skip
        await eventually(
            lambda: fetch(settings, "SELECT 1 FROM contact HAVING count(*) = 4"), what="directory"
        )
        await client.put(
            "/v1/me/preferences", json={"opted_out": ["email"]}, headers=bearer(Role.STUDENT, "S-4")
        )
        made = await client.post("/v1/broadcasts", json=NEWS, headers=LIAISON)
        assert made.status_code == 201, made.text
        b = made.json()
        assert b["status"] == "sent" and b["figures"]["recipients"] == 3
        assert b["figures"]["channels"]["inbox"] == {"delivered": 3}

        for sid, expected in [("S-1", 1), ("S-2", 1), ("S-3", 0), ("S-4", 1)]:
            items = (await client.get("/v1/inbox", headers=bearer(Role.STUDENT, sid))).json()
            assert len(items["items"]) == expected
        [item] = (await client.get("/v1/inbox", headers=bearer(Role.STUDENT, "S-1"))).json()[
            "items"
        ]
        assert item["title"] == NEWS["title"] and item["broadcast_id"] == b["broadcast_id"]
        await client.post(
            f"/v1/inbox/{item['notification_id']}/read", headers=bearer(Role.STUDENT, "S-1")
        )

        async def figures() -> dict[str, object] | None:
            got = (await client.get(f"/v1/broadcasts/{b['broadcast_id']}", headers=LIAISON)).json()
            return (
                got["figures"]
                if got["figures"]["channels"].get("email", {}).get("sent") == 2
                else None
            )

        fig = await eventually(figures, what="two mails sent")
        assert fig["read"] == 1 and fig["channels"]["email"] == {"sent": 2, "skipped": 1}
        assert fig["channels"]["wechat"] == {"skipped": 3}  # not configured here

        # Liaisons see only their own broadcasts.
        assert (
            await client.get(f"/v1/broadcasts/{b['broadcast_id']}", headers=OTHER_LIAISON)
        ).status_code == 404
        assert (await client.get("/v1/broadcasts", headers=OTHER_LIAISON)).json() == []
        assert len((await client.get("/v1/broadcasts", headers=LIAISON)).json()) == 1
        assert len((await client.get("/v1/broadcasts", headers=COORDINATOR)).json()) == 1
        student_try = await client.post(
            "/v1/broadcasts", json=NEWS, headers=bearer(Role.STUDENT, "S-1")
        )
        assert student_try.status_code == 403
        cityless = await client.post(
            "/v1/broadcasts", json=NEWS, headers=bearer(Role.LIAISON, "L-3")
        )
        assert cityless.status_code == 403
        too_long = await client.post(
            "/v1/broadcasts", json={**NEWS, "title": "长" * 41}, headers=LIAISON
        )
        assert too_long.status_code == 422


async def test_when_the_coordinator_requires_approval_a_broadcast_waits_for_it(
    service_settings: SettingsFactory,
) -> None:
    settings = service_settings(NotifySettings, **channels_to())
    async with serve_in_process(create_app(settings)) as client:
        await publish(settings, student("S-1", city="北京"))
        await eventually(lambda: fetch(settings, "SELECT 1 FROM contact"), what="directory")
        assert (
            await client.put(
                "/v1/broadcasts/policy/approval", json={"require_approval": True}, headers=LIAISON
            )
        ).status_code == 403
        policy = await client.put(
            "/v1/broadcasts/policy/approval", json={"require_approval": True}, headers=COORDINATOR
        )
        assert policy.json() == {"require_approval": True}

        first = (await client.post("/v1/broadcasts", json=NEWS, headers=LIAISON)).json()
        second = (await client.post("/v1/broadcasts", json=NEWS, headers=LIAISON)).json()
        assert first["status"] == second["status"] == "pending"
        s1 = bearer(Role.STUDENT, "S-1")
        assert (await client.get("/v1/inbox", headers=s1)).json()["items"] == []
        pending = (
            await client.get("/v1/broadcasts", params={"status": "pending"}, headers=COORDINATOR)
        ).json()
        assert len(pending) == 2

        assert (
            await client.post(f"/v1/broadcasts/{first['broadcast_id']}/approve", headers=LIAISON)
        ).status_code == 403
        approved = await client.post(
            f"/v1/broadcasts/{first['broadcast_id']}/approve",
            json={"note": "好"},
            headers=COORDINATOR,
        )
        assert approved.status_code == 200, approved.text
        assert approved.json()["status"] == "sent" and approved.json()["decided_by"] == "C-1"
        rejected = await client.post(
            f"/v1/broadcasts/{second['broadcast_id']}/reject", headers=COORDINATOR
        )
        assert rejected.json()["status"] == "rejected"
        again = await client.post(
            f"/v1/broadcasts/{first['broadcast_id']}/approve", headers=COORDINATOR
        )
        assert again.status_code == 409
        assert len((await client.get("/v1/inbox", headers=s1)).json()["items"]) == 1
        sent_events = await fetch(settings, "SELECT event_type FROM outbox")
        assert all(e["event_type"] == "notify.broadcast.sent.v1" for e in sent_events)
