"""Matching's composition root."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from fanxiang_common.app import create_service_app
from matching_service.api import read_model, rounds
from matching_service.events import applications, posts
from matching_service.runtime import MatchingRuntime
from matching_service.settings import MatchingSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: MatchingSettings | None = None) -> FastAPI:
    settings = settings or MatchingSettings()
    runtime = MatchingRuntime(
        settings, migrations=MIGRATIONS, consumers=[*posts.consumers(), *applications.consumers()]
    )
    return create_service_app(
        runtime,
        title="Fanxiang matching",
        description="Two-way choice (双向选择) by student-proposing deferred acceptance: "
        "read model from placement's events, rounds, offers.",
        routers=[read_model.router, rounds.router],
    )
