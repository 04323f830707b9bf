"""Helpers for notify's integration tests: a real SMTP server (aiosmtpd), a local HTTP server
standing in for Tencent Cloud SMS and WeChat, and publishing events to the test's topics."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

import pytest
import pytest_asyncio
import uvicorn
from aiokafka import AIOKafkaProducer
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from fanxiang_common.events import EventData, new_event
from fanxiang_local.proc import free_port
from fanxiang_local.testing import fetch_all
from notify_service.channels.sink import MailSink
from notify_service.domain.timing import SHANGHAI
from notify_service.settings import NotifySettings


@pytest.fixture
def mail_sink() -> Iterator[MailSink]:
    sink = MailSink().start()
    try:
        yield sink
    finally:
        sink.stop()


@dataclass
class Provider:
    """Tencent Cloud SMS (POST /) and WeChat (GET /cgi-bin/token, POST
    /cgi-bin/message/subscribe/send), as far as notify uses them."""

    url: str = ""
    sms: list[dict[str, Any]] = field(default_factory=list)
    sms_headers: list[dict[str, str]] = field(default_factory=list)
    wechat: list[dict[str, Any]] = field(default_factory=list)
    tokens_issued: int = 0
    sms_fail_next: int = 0
    wechat_errcodes: list[int] = field(default_factory=list)

    def app(self) -> Starlette:
        async def send_sms(request: Request) -> JSONResponse:
            body = await request.json()
            if self.sms_fail_next > 0:
                self.sms_fail_next -= 1
                return JSONResponse({"Response": {"Error": {"Code": "InternalError.Timeout",
                                     "Message": "busy"}, "RequestId": "r"}})  # fmt: skip
            self.sms.append(body)
            self.sms_headers.append(dict(request.headers))
            return JSONResponse(
                {
                    "Response": {
                        "SendStatusSet": [
                            {
                                "SerialNo": f"sn-{len(self.sms)}",
                                "Code": "Ok",
                                "Message": "send success",
                                "PhoneNumber": body["PhoneNumberSet"][0],
                            }
                        ],
                        "RequestId": "r",
                    }
                }
            )

        async def token(request: Request) -> JSONResponse:
            self.tokens_issued += 1
            return JSONResponse({"access_token": f"tok-{self.tokens_issued}", "expires_in": 7200})

        async def subscribe(request: Request) -> JSONResponse:
            if self.wechat_errcodes:
                code = self.wechat_errcodes.pop(0)
                return JSONResponse({"errcode": code, "errmsg": "refused"})
            self.wechat.append(
                {"token": request.query_params["access_token"], **await request.json()}
            )
            return JSONResponse({"errcode": 0, "errmsg": "ok", "msgid": len(self.wechat)})

        return Starlette(
            routes=[
                Route("/", send_sms, methods=["POST"]),
                Route("/cgi-bin/token", token, methods=["GET"]),
                Route("/cgi-bin/message/subscribe/send", subscribe, methods=["POST"]),
            ]
        )


@pytest_asyncio.fixture
async def provider() -> AsyncIterator[Provider]:
    fake = Provider()
    port = free_port()
    fake.url = f"http://127.0.0.1:{port}"
    server = uvicorn.Server(
        uvicorn.Config(fake.app(), host="127.0.0.1", port=port, log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    for _ in range(200):  # uvicorn has no "started" event to await
        if server.started:
            break
        await asyncio.sleep(0.05)
    try:
        yield fake
    finally:
        server.should_exit = True
        with contextlib.suppress(Exception):
            await task


def quiet_window(starts_in: timedelta, lasts: timedelta) -> dict[str, time]:
    """Quiet hours placed relative to now (Shanghai), whatever the clock says."""
    start = datetime.now(SHANGHAI) + starts_in
    return {"quiet_start": start.time(), "quiet_end": (start + lasts).time()}


def channels_to(mail: MailSink | None = None, provider: Provider | None = None) -> dict[str, Any]:
    """Settings overrides that point notify's channels at the test's servers, with quiet
    hours well away from now (tests that want them set their own)."""
    out: dict[str, Any] = {"backoff_scale": 0.002, "worker_poll_s": 0.2, "lease_s": 5.0}
    out |= quiet_window(timedelta(hours=6), timedelta(hours=1))
    if mail is not None:
        out |= {"smtp_host": mail.host, "smtp_port": mail.port}
    if provider is not None:
        out |= {
            "sms_endpoint": provider.url, "sms_secret_id": "AKIDtest", "sms_secret_key": "key",
            "sms_app_id": "1400000000", "sms_template_code": "100001",
            "sms_template_notice": "100002", "wechat_api_base": provider.url,
            "wechat_app_id": "wx123", "wechat_app_secret": "secret",
            "wechat_template_id": "TPL-1",
        }  # fmt: skip
    return out


async def publish(settings: NotifySettings, *events: EventData, sequence: int = 1) -> list[Any]:
    """Publish events (each as sequence ``sequence``) to the test's topics; returns envelopes."""
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
    await producer.start()
    envelopes = []
    try:
        for event in events:
            envelope = new_event(event, source="/tests", sequence=sequence)
            await producer.send_and_wait(
                settings.topic(event.topic.name),
                envelope.to_bytes(),
                key=event.aggregate_id.encode(),
            )
            envelopes.append(envelope)
    finally:
        await producer.stop()
    return envelopes


async def fetch(settings: NotifySettings, sql: str, *args: Any) -> list[dict[str, Any]]:
    return await fetch_all(settings.database_url, sql, *args)
