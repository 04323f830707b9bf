"""WeChat subscription messages (小程序订阅消息): ``POST /cgi-bin/message/subscribe/send``
with an access token from ``/cgi-bin/token``, cached until shortly before it expires and
fetched again when WeChat says it is invalid.

One subscription template serves every purpose: ``thing1`` the title (at most 20 characters),
``time2`` when it happened, ``thing3`` a hint to open the inbox; details stay in the app.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from notify_service.channels.base import Outgoing, PermanentError, Sent, TemporaryError
from notify_service.domain.channels import Channel
from notify_service.domain.templates import WECHAT_TITLE_MAX
from notify_service.domain.timing import SHANGHAI

_TOKEN_INVALID = {40001, 40014, 42001}
_TEMPORARY = {-1, 45009}  # system busy; API call quota reached (resets)
_HINT = {"zh": "请打开返家乡查看详情", "en": "Open Fanxiang for details"}


class WeChatSender:
    channel = Channel.WECHAT

    def __init__(
        self,
        *,
        api_base: str,
        app_id: str,
        app_secret: str,
        template_id: str,
        page: str,
        state: str = "formal",
        timeout_s: float = 10.0,
    ) -> None:
        self.base = api_base.rstrip("/")
        self.app_id, self.app_secret = app_id, app_secret
        self.template_id, self.page, self.state = template_id, page, state
        self.client = httpx.AsyncClient(timeout=timeout_s)
        self._token: str | None = None
        self._token_until = 0.0
        self._lock = asyncio.Lock()

    async def _access_token(self, *, refresh: bool = False) -> str:
        async with self._lock:
            if refresh or self._token is None or time.monotonic() >= self._token_until:
                response = await self._call(
                    "GET",
                    "/cgi-bin/token",
                    params={
                        "grant_type": "client_credential",
                        "appid": self.app_id,
                        "secret": self.app_secret,
                    },
                )
                if "access_token" not in response:
                    raise TemporaryError(f"WeChat token: {response}")
                self._token = str(response["access_token"])
                self._token_until = time.monotonic() + int(response.get("expires_in", 7200)) - 300
            return self._token

    async def _call(self, method: str, path: str, **kwargs: object) -> dict[str, Any]:
        try:
            response = await self.client.request(method, self.base + path, **kwargs)  # type: ignore[arg-type]
            response.raise_for_status()
            data: dict[str, Any] = response.json()
            return data
        except httpx.HTTPStatusError as exc:
            raise TemporaryError(f"WeChat answered HTTP {exc.response.status_code}") from exc
        except (httpx.HTTPError, ValueError) as exc:
            raise TemporaryError(f"WeChat unreachable: {type(exc).__name__}: {exc}") from exc

    def payload(self, message: Outgoing) -> dict[str, Any]:
        when = message.created_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
        lang = "en" if message.language == "en" else "zh"
        return {
            "touser": message.address,
            "template_id": self.template_id,
            "page": self.page,
            "miniprogram_state": self.state,
            "lang": "en_US" if lang == "en" else "zh_CN",
            "data": {
                "thing1": {"value": message.title[:WECHAT_TITLE_MAX]},
                "time2": {"value": when},
                "thing3": {"value": _HINT[lang]},
            },
        }

    async def send(self, message: Outgoing) -> Sent:
        body = self.payload(message)
        for refresh in (False, True):
            token = await self._access_token(refresh=refresh)
            answer = await self._call(
                "POST",
                "/cgi-bin/message/subscribe/send",
                params={"access_token": token},
                json=body,
            )
            code = int(answer.get("errcode", 0) or 0)
            if code == 0:
                msgid = answer.get("msgid")
                return Sent(provider_ref=None if msgid is None else str(msgid))
            if code in _TOKEN_INVALID and not refresh:
                continue
            detail = f"WeChat errcode {code}: {answer.get('errmsg', '')}"
            if code in _TEMPORARY or code in _TOKEN_INVALID:
                raise TemporaryError(detail)
            # 43101: the user has not subscribed (or used up their one-time consent), …
            raise PermanentError(detail)
        raise TemporaryError("WeChat kept refusing the access token")

    async def close(self) -> None:
        await self.client.aclose()
