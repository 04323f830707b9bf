"""What every channel adapter speaks: one message in, a provider reference or an error out."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from notify_service.domain.channels import Channel
from notify_service.domain.templates import SmsText


class SendError(Exception):
    """A try failed. ``permanent``: no retry can help (a refused address, a blocked user)."""

    permanent = False


class TemporaryError(SendError):
    pass


class PermanentError(SendError):
    permanent = True


@dataclass(frozen=True)
class Outgoing:
    delivery_id: int
    notification_id: uuid.UUID
    channel: Channel
    address: str
    title: str
    body: str
    language: str
    essential: bool
    created_at: datetime
    sms_text: SmsText = SmsText.NOTICE
    sms_params: dict[str, Any] = field(default_factory=dict)

    @property
    def idempotency_key(self) -> str:
        """The same for every try of one delivery: providers and mail clients can drop repeats."""
        return f"{self.notification_id}-{self.channel.value}"


@dataclass(frozen=True)
class Sent:
    provider_ref: str | None = None
    delivered: bool = False
    """True when the provider's answer already means it reached the person."""


class Sender(Protocol):
    channel: Channel

    async def send(self, message: Outgoing) -> Sent: ...

    async def close(self) -> None: ...
