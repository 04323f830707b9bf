"""Survey's composition root."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from fanxiang_common.app import create_service_app
from fanxiang_common.runtime import ServiceRuntime
from survey_service.analysis_cache import AnalysisCache
from survey_service.api import analysis, imports, responses
from survey_service.db import store
from survey_service.events import responses as response_events
from survey_service.importing import ImportRunner
from survey_service.settings import SurveySettings

MIGRATIONS = Path(__file__).parent / "migrations"


class SurveyRuntime(ServiceRuntime):
    """The common runtime, plus the season's questionnaire loaded at startup if missing, and
    the imports: interrupted ones are claimed and resumed at start and by a periodic sweep,
    running ones cancelled and released at stop (survey_service.importing)."""

    def __init__(self, settings: SurveySettings, **kwargs: Any) -> None:
        super().__init__(settings, **kwargs)
        self.settings_survey = settings
        self.imports = ImportRunner(
            settings.source, socket.gethostname(), settings.import_stale_s, settings.import_sweep_s
        )

    async def start(self) -> None:
        # Fail at start, not at the first upload, if the upload folder cannot be made.
        uploads = self.settings_survey.resolved_upload_dir()
        await asyncio.to_thread(uploads.mkdir, 0o700, True, True)
        await super().start()
        async with self.pool.acquire() as conn:
            await store.ensure_season_questionnaire(conn)
        await self.imports.resume(self.pool)
        self.imports.start_sweeping(self.pool)

    async def stop(self) -> None:
        if self._pool is not None:
            await self.imports.stop(self._pool)
        await super().stop()


def create_app(settings: SurveySettings | None = None) -> FastAPI:
    settings = settings or SurveySettings()
    runtime = SurveyRuntime(settings, migrations=MIGRATIONS, consumers=response_events.consumers())
    app = create_service_app(
        runtime,
        title="Fanxiang survey",
        description="Questionnaires, responses (API, Kafka, 问卷星/腾讯问卷 exports) and their analysis.",
        routers=[responses.router, analysis.router, imports.router],
    )
    app.state.analysis_cache = AnalysisCache()
    return app
