"""Survey's settings (the common ones; see fanxiang_common.settings for the environment)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from fanxiang_common.settings import ServiceSettings


class SurveySettings(ServiceSettings):
    service: ClassVar[str] = "survey"
    host: str = Field(default="127.0.0.1", validation_alias="SURVEY_HOST")
    port: int = Field(default=8003, ge=1, le=65535, validation_alias="SURVEY_PORT")
    database_url: str = Field(default="", validation_alias="SURVEY_DATABASE_URL")
