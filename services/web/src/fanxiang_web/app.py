"""Web's composition root."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from fanxiang_common.app import create_service_app
from fanxiang_common.runtime import ServiceRuntime
from fanxiang_web.settings import WebSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: WebSettings | None = None) -> FastAPI:
    settings = settings or WebSettings()
    runtime = ServiceRuntime(settings, migrations=MIGRATIONS)
    return create_service_app(
        runtime,
        title="Fanxiang web front end",
        description="The web front end: students on phones, units and coordinators at desks.",
    )
