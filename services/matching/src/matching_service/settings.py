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
