"""Matching's settings (the common ones; see fanxiang_common.settings for the environment)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from fanxiang_common.settings import ServiceSettings


class MatchingSettings(ServiceSettings):
    service: ClassVar[str] = "matching"
    host: str = Field(default="127.0.0.1", validation_alias="MATCHING_HOST")
    port: int = Field(default=8002, ge=1, le=65535, validation_alias="MATCHING_PORT")
    database_url: str = Field(default="", validation_alias="MATCHING_DATABASE_URL")
    round_concurrency: int = Field(
        default=1,
        ge=1,
        le=16,
        validation_alias="MATCHING_ROUND_CONCURRENCY",
        description="rounds solved at once by one process (the others wait, 'queued')",
    )
    round_sweep_interval_s: float = Field(
        default=30.0,
        gt=0,
        validation_alias="MATCHING_ROUND_SWEEP_INTERVAL_S",
        description="how often to look for rounds left 'running' by a crashed replica",
    )
