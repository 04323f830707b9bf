"""Placement's runtime: the common one, plus the development coordinator account at start."""

from __future__ import annotations

from fanxiang_common.runtime import ServiceRuntime
from placement_service.db import accounts
from placement_service.settings import PlacementSettings


class PlacementRuntime(ServiceRuntime):
    settings: PlacementSettings

    async def start(self) -> None:
        await super().start()
        phone = self.settings.bootstrap_coordinator_phone
        if phone:
            async with self.pool.acquire() as conn:
                await accounts.ensure_coordinator(conn, phone)
