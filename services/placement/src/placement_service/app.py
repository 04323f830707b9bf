"""Placement's composition root."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from fanxiang_common.app import create_service_app
from placement_service.api import (
    accounts,
    applications,
    auth,
    branch,
    exports,
    imports,
    interviews,
    placements,
    posts,
    seasons,
    slots,
    students,
    units,
)
from placement_service.events import offers
from placement_service.runtime import PlacementRuntime
from placement_service.settings import PlacementSettings

MIGRATIONS = Path(__file__).parent / "migrations"

# Routes are matched in order: the busiest (students' applications) come first.
ROUTERS = [
    applications.router,
    auth.router,
    seasons.router,
    units.router,
    units.registrations,
    accounts.router,
    students.router,
    imports.router,
    posts.router,
    interviews.router,
    slots.router,
    slots.mine,
    placements.router,
    branch.router,
    exports.router,
]


def create_app(settings: PlacementSettings | None = None) -> FastAPI:
    settings = settings or PlacementSettings()
    # Placement holds the truth about revoked tokens (api/common.py `caller`): no copy to keep.
    runtime = PlacementRuntime(
        settings, migrations=MIGRATIONS, consumers=offers.consumers(), checks_access=False
    )
    app = create_service_app(
        runtime,
        title="Fanxiang placement",
        description="Units, posts, students, applications, interviews and onboarding. "
        "Issues the bearer tokens every service verifies.",
        routers=ROUTERS,
    )

    # PostgreSQL's refusals (422/409) and framework errors are answered in the common shape
    # by fanxiang_common.app, for every service.
    return app
