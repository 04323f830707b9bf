"""A development SMTP sink (aiosmtpd): every mail it receives is saved as an .eml file, so
the mails a local stack sends can be read. Tests use `MailSink` as their real SMTP server."""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class _Handler:
    folder: Path | None
    received: list[EmailMessage] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    fail_next: int = 0

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.fail_next > 0:
            self.fail_next -= 1
            return "451 4.3.0 try again later"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(message)
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            name = str(message["Message-ID"] or len(self.received)).strip("<>").replace("/", "_")
            (self.folder / f"{name}.eml").write_bytes(envelope.content)
        return "250 OK"


class MailSink:
    """A real SMTP server on ``host:port`` (0: any free port) that keeps what it receives."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, folder: Path | None = None):
        self.handler = _Handler(folder)
        self.controller = Controller(self.handler, hostname=host, port=port or _free_port(host))

    @property
    def host(self) -> str:
        return str(self.controller.hostname)

    @property
    def port(self) -> int:
        return int(self.controller.port)

    @property
    def received(self) -> list[EmailMessage]:
        return self.handler.received

    def refuse(self, address: str) -> None:
        self.handler.refuse.add(address)

    def fail_next(self, count: int) -> None:
        """Answer the next ``count`` mails with a temporary error (451)."""
        self.handler.fail_next = count

    def start(self) -> MailSink:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


def _free_port(host: str) -> int:
    import socket

    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])
