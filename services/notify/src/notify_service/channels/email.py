"""Email over SMTP (aiosmtplib). The Message-ID derives from the notification id, so a try
repeated after a crash is recognisably the same mail."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime

import aiosmtplib

from notify_service.channels.base import Outgoing, PermanentError, Sent, TemporaryError
from notify_service.domain.channels import Channel

_FOOTER = {
    "zh": "\n\n——\n共青团返家乡社会实践平台。请登录平台查看详情。",
    "en": "\n\n——\nFanxiang summer practice. Sign in to see the details.",
}
_OPT_OUT = {
    "zh": "\n不想收到此类邮件？可在平台“通知设置”中退订。",
    "en": "\nDon't want mails like this? Opt out under notification settings.",
}


class EmailSender:
    channel = Channel.EMAIL

    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        tls: bool = False,
        timeout_s: float = 15.0,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password = username, password
        self.starttls, self.tls, self.timeout = starttls, tls, timeout_s

    def compose(self, message: Outgoing) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.address
        mail["Subject"] = message.title
        mail["Date"] = format_datetime(message.created_at)
        domain = self.sender.rsplit("@", 1)[-1].strip("> ") or "fanxiang.local"
        mail["Message-ID"] = f"<{message.idempotency_key}@{domain}>"
        lang = "en" if message.language == "en" else "zh"
        footer = _FOOTER[lang] + ("" if message.essential else _OPT_OUT[lang])
        mail.set_content(message.body + footer, charset="utf-8")
        return mail

    async def send(self, message: Outgoing) -> Sent:
        mail = self.compose(message)
        try:
            errors, _ = await aiosmtplib.send(
                mail,
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                start_tls=self.starttls,
                use_tls=self.tls,
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise PermanentError(f"the mail server refused {message.address}: {exc}") from exc
        except aiosmtplib.SMTPResponseException as exc:
            error = PermanentError if 500 <= exc.code < 600 else TemporaryError
            raise error(f"SMTP {exc.code}: {exc.message}") from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise TemporaryError(f"{type(exc).__name__}: {exc}") from exc
        if errors:
            raise PermanentError(f"the mail server refused: {errors}")
        return Sent(provider_ref=str(mail["Message-ID"]))

    async def close(self) -> None:
        return None
