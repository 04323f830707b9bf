"""A person sees only their own inbox; offices share theirs; liaisons see only their own
broadcasts; errors have the common shape."""

from __future__ import annotations

import pytest

from fanxiang_common.auth import Role
from fanxiang_local.testing import SettingsFactory, bearer, eventually, serve_in_process
from notify_service.app import create_app
from notify_service.settings import NotifySettings

from .conftest import channels_to, fetch, publish
from .events import application, post, student

pytestmark = pytest.mark.integration


async def test_the_inbox_api_shows_each_caller_only_their_own(
    service_settings: SettingsFactory,
) -> None:
    settings = service_settings(NotifySettings, **channels_to())
    async with serve_in_process(create_app(settings)) as client:
        await publish(settings, student("S-1"), student("S-2"), post("P-1", uid="U-1"))
        await publish(settings, application("S-1"), application("S-2"))
        await eventually(
            lambda: fetch(settings, "SELECT 1 FROM notification HAVING count(*) = 3"),
            what="three notifications",
        )
        s1, s2 = bearer(Role.STUDENT, "S-1"), bearer(Role.STUDENT, "S-2")
        mine = (await client.get("/v1/inbox", headers=s1)).json()["items"]
        theirs = (await client.get("/v1/inbox", headers=s2)).json()["items"]
        assert len(mine) == len(theirs) == 1
        assert mine[0]["notification_id"] != theirs[0]["notification_id"]

        # The unit's staff share the unit's inbox; another unit and a county see nothing.
        for headers, expected in [
            (bearer(Role.UNIT, "A-1", unit_id="U-1"), 1),
            (bearer(Role.UNIT, "A-2", unit_id="U-1"), 1),
            (bearer(Role.UNIT, "A-3", unit_id="U-2"), 0),
            (bearer(Role.COUNTY, "C-1", county="140302"), 0),
            (bearer(Role.COORDINATOR, "X"), 0),
        ]:
            items = (await client.get("/v1/inbox", headers=headers)).json()["items"]
            assert len(items) == expected

        # Someone else's notification: not found (its existence is not revealed).
        other = theirs[0]["notification_id"]
        refused = await client.post(f"/v1/inbox/{other}/read", headers=s1)
        assert refused.status_code == 404
        assert refused.json()["detail"][0]["loc"] == ["path", "notification_id"]
        trail = await client.get(f"/v1/notifications/{other}/trail", headers=s1)
        assert trail.status_code == 404

        assert (await client.get("/v1/inbox")).status_code == 401
        assert (
            await client.get("/v1/inbox", headers={"Authorization": "Bearer x"})
        ).status_code == 401
        service = await client.get("/v1/inbox", headers=bearer(Role.SERVICE, "svc"))
        assert service.status_code == 403
        bad = await client.get("/v1/inbox", params={"limit": 0}, headers=s1)
        assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "limit"]
        assert (await client.post("/v1/inbox/not-a-uuid/read", headers=s1)).status_code == 422


async def test_opting_out_skips_non_essential_messages_only(
    service_settings: SettingsFactory,
) -> None:
    settings = service_settings(NotifySettings, **channels_to(), smtp_host="127.0.0.1")
    async with serve_in_process(create_app(settings)) as client:
        s1 = bearer(Role.STUDENT, "S-1")
        refused = await client.put("/v1/me/preferences", json={"opted_out": ["inbox"]}, headers=s1)
        assert refused.status_code == 422
        prefs = await client.put(
            "/v1/me/preferences", json={"opted_out": ["email"], "language": "en"}, headers=s1
        )
        assert prefs.json()["opted_out"] == ["email"] and prefs.json()["language"] == "en"
        await publish(settings, student("S-1"), application("S-1"))
        [row] = await eventually(
            lambda: fetch(
                settings, "SELECT status, last_error FROM delivery WHERE channel = 'email'"
            ),
            what="the email delivery",
        )
        assert row == {"status": "skipped", "last_error": "opted out"}
        [item] = (await client.get("/v1/inbox", headers=s1)).json()["items"]
        assert item["title"] == "Application received"  # the stored language
