"""Notify's composition root."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from fanxiang_common.app import create_service_app
from fanxiang_common.runtime import ServiceRuntime
from notify_service.settings import NotifySettings

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: NotifySettings | None = None) -> FastAPI:
    settings = settings or NotifySettings()
    runtime = ServiceRuntime(settings, migrations=MIGRATIONS)
    return create_service_app(
        runtime,
        title="Fanxiang notify",
        description="Notifications on every channel, exactly once per person and purpose.",
    )
