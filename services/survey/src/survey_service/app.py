"""Survey's composition root."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from fanxiang_common.app import create_service_app
from fanxiang_common.runtime import ServiceRuntime
from survey_service.settings import SurveySettings

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: SurveySettings | None = None) -> FastAPI:
    settings = settings or SurveySettings()
    runtime = ServiceRuntime(settings, migrations=MIGRATIONS)
    return create_service_app(
        runtime,
        title="Fanxiang survey",
        description="Questionnaires, responses (API, Kafka, 问卷星/腾讯问卷 exports) and their analysis.",
    )
