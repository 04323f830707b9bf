"""SMS through Tencent Cloud SMS, API 3.0 ``SendSms`` (version 2021-01-11), signed with
TC3-HMAC-SHA256. Mainland providers send only pre-approved templates: notify has two (a code,
and "you have a new notice"), configured by their template ids, so an SMS never carries
personal data."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx

from notify_service.channels.base import Outgoing, PermanentError, Sent, TemporaryError
from notify_service.domain.channels import Channel
from notify_service.domain.templates import SMS_PARAMS, SmsText

SERVICE = "sms"
ACTION = "SendSms"
VERSION = "2021-01-11"
# Codes worth another try; any other error code is a refusal that repeats itself.
_TEMPORARY = ("LimitExceeded", "InternalError", "RequestLimitExceeded", "FailedOperation.Busy")


def tc3_authorization(
    *, secret_id: str, secret_key: str, host: str, payload: bytes, timestamp: int
) -> str:
    """The ``Authorization`` header of Tencent Cloud's TC3-HMAC-SHA256 signature."""
    day = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    canonical = "\n".join(
        [
            "POST",
            "/",
            "",
            f"content-type:application/json; charset=utf-8\nhost:{host}\n",
            "content-type;host",
            hashlib.sha256(payload).hexdigest(),
        ]
    )
    scope = f"{day}/{SERVICE}/tc3_request"
    to_sign = "\n".join(
        ["TC3-HMAC-SHA256", str(timestamp), scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )

    def _hmac(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    signing = _hmac(_hmac(_hmac(f"TC3{secret_key}".encode(), day), SERVICE), "tc3_request")
    signature = hmac.new(signing, to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, "
        f"SignedHeaders=content-type;host, Signature={signature}"
    )


def mainland(phone: str) -> str:
    digits = phone.strip().replace(" ", "")
    return digits if digits.startswith("+") else f"+86{digits}"


class SmsSender:
    channel = Channel.SMS

    def __init__(
        self,
        *,
        endpoint: str,
        region: str,
        secret_id: str,
        secret_key: str,
        app_id: str,
        sign_name: str,
        templates: dict[SmsText, str | None],
        timeout_s: float = 10.0,
    ) -> None:
        self.endpoint = endpoint.rstrip("/") + "/"
        self.host = urlsplit(self.endpoint).netloc
        self.region = region
        self.secret_id, self.secret_key = secret_id, secret_key
        self.app_id, self.sign_name = app_id, sign_name
        self.templates = templates
        self.client = httpx.AsyncClient(timeout=timeout_s)

    def request_body(self, message: Outgoing) -> bytes:
        template_id = self.templates.get(message.sms_text)
        if not template_id:
            raise PermanentError(f"no SMS template id configured for '{message.sms_text}'")
        params = [str(message.sms_params.get(n, "")) for n in SMS_PARAMS[message.sms_text]]
        body = {
            "PhoneNumberSet": [mainland(message.address)],
            "SmsSdkAppId": self.app_id,
            "SignName": self.sign_name,
            "TemplateId": template_id,
            "TemplateParamSet": params,
            "SessionContext": message.idempotency_key,
        }
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()

    async def send(self, message: Outgoing) -> Sent:
        payload = self.request_body(message)
        timestamp = int(time.time())
        headers = {
            "Authorization": tc3_authorization(
                secret_id=self.secret_id,
                secret_key=self.secret_key,
                host=self.host,
                payload=payload,
                timestamp=timestamp,
            ),
            "Content-Type": "application/json; charset=utf-8",
            "Host": self.host,
            "X-TC-Action": ACTION,
            "X-TC-Version": VERSION,
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Region": self.region,
        }
        try:
            response = await self.client.post(self.endpoint, content=payload, headers=headers)
        except httpx.HTTPError as exc:
            raise TemporaryError(f"SMS provider unreachable: {type(exc).__name__}: {exc}") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise TemporaryError(f"SMS provider answered HTTP {response.status_code}")
        try:
            answer = response.json()["Response"]
        except (ValueError, KeyError, TypeError) as exc:
            raise TemporaryError(f"SMS provider answered HTTP {response.status_code}") from exc
        if "Error" in answer:
            return _refused(answer["Error"].get("Code", ""), answer["Error"].get("Message", ""))
        [status] = answer.get("SendStatusSet") or [{}]
        if status.get("Code") != "Ok":
            return _refused(status.get("Code", ""), status.get("Message", ""))
        return Sent(provider_ref=status.get("SerialNo") or answer.get("RequestId"))

    async def close(self) -> None:
        await self.client.aclose()


def _refused(code: str, text: str) -> Sent:
    error = TemporaryError if code.startswith(_TEMPORARY) else PermanentError
    raise error(f"SMS provider: {code}: {text}")
