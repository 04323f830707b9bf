"""Placement's runtime: the common one, plus the development coordinator account at start."""

from __future__ import annotations

import asyncio

import asyncpg

from fanxiang_common.db.pool import _init_connection
from fanxiang_common.runtime import ServiceRuntime
from placement_service.db import accounts
from placement_service.events.expiry import run_expiry
from placement_service.settings import PlacementSettings


async def _rollback_if_needed(conn: asyncpg.Connection) -> None:
    if conn.is_in_transaction():
        await conn.execute("ROLLBACK")


class PlacementRuntime(ServiceRuntime):
    settings: PlacementSettings

    async def start(self) -> None:
        await super().start()
        # The common pool resets every connection on release (one more round trip per
        # request). Placement keeps no session state (no SET, no LISTEN on pooled
        # connections), so a returned connection only needs an open transaction rolled back.
        common_pool = self._pool
        self._pool = await asyncpg.create_pool(
            self.settings.database_url,
            min_size=2,
            max_size=self.settings.pool_size,
            init=_init_connection,
            reset=_rollback_if_needed,
            command_timeout=30,
        )
        if common_pool is not None:
            await common_pool.close()
        self._tasks.append(
            asyncio.create_task(
                run_expiry(self.pool, self.settings.source, self.settings.offer_expiry_interval_s),
                name="offer-expiry",
            )
        )
        phone = self.settings.bootstrap_coordinator_phone
        if phone:
            async with self.pool.acquire() as conn:
                await accounts.ensure_coordinator(conn, phone)
