"""Placement's composition root."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from fanxiang_common.app import create_service_app
from fanxiang_common.runtime import ServiceRuntime
from placement_service.api import posts
from placement_service.settings import PlacementSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: PlacementSettings | None = None) -> FastAPI:
    settings = settings or PlacementSettings()
    runtime = ServiceRuntime(settings, migrations=MIGRATIONS)
    return create_service_app(
        runtime,
        title="Fanxiang placement",
        description="Units, posts, students, applications, interviews and onboarding. "
        "Issues the bearer tokens every service verifies.",
        routers=[posts.router],
    )
