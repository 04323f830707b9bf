"""Matching's runtime: the common one, plus the round jobs (started, resumed and stopped with
the service)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from fanxiang_common.kafka.consumer import EventConsumer
from fanxiang_common.runtime import ServiceRuntime
from matching_service.jobs import RoundJobs
from matching_service.settings import MatchingSettings


class MatchingRuntime(ServiceRuntime):
    settings: MatchingSettings

    def __init__(
        self,
        settings: MatchingSettings,
        *,
        migrations: Path,
        consumers: Sequence[EventConsumer],
    ) -> None:
        super().__init__(settings, migrations=migrations, consumers=consumers)
        self._jobs: RoundJobs | None = None

    @property
    def jobs(self) -> RoundJobs:
        if self._jobs is None:
            raise RuntimeError("the service runtime has not started")
        return self._jobs

    async def start(self) -> None:
        await super().start()
        self._jobs = RoundJobs(self.pool, concurrency=self.settings.round_concurrency)
        # Rounds a stopped or crashed process left 'running' are resumed now, then swept for.
        self._tasks.append(
            asyncio.create_task(
                self._jobs.sweep(self.settings.round_sweep_interval_s), name="round-sweep"
            )
        )

    async def stop(self) -> None:
        if self._jobs is not None:
            await self._jobs.stop()
        await super().stop()
