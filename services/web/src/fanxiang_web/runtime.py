"""Web's runtime: the common one (its database for sessions, Kafka for the outbox) plus one
HTTP client per service it calls."""

from __future__ import annotations

from pathlib import Path

from fanxiang_common.runtime import ServiceRuntime
from fanxiang_web.clients import Services
from fanxiang_web.settings import WebSettings


class WebRuntime(ServiceRuntime):
    settings: WebSettings

    def __init__(self, settings: WebSettings, *, migrations: Path | None = None) -> None:
        super().__init__(settings, migrations=migrations)
        self.services = Services(settings)

    async def start(self) -> None:
        await super().start()
        self.services.open()

    async def stop(self) -> None:
        await self.services.close()
        await super().stop()
