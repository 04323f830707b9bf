"""A placement service on real PostgreSQL and Kafka for each test (helpers in world.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from fanxiang_local.testing import SettingsFactory, serve_in_process
from placement_service.app import create_app
from placement_service.settings import PlacementSettings
from tests.integration.placement.world import World


@pytest_asyncio.fixture
async def world(service_settings: SettingsFactory) -> AsyncIterator[World]:
    settings = service_settings(PlacementSettings, offer_expiry_interval_s=0.5)
    async with serve_in_process(create_app(settings)) as client:
        yield World(client, settings)
