"""Web's settings (the common ones; see fanxiang_common.settings for the environment)."""

from __future__ import annotations

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from fanxiang_common.settings import ServiceSettings


class WebSettings(ServiceSettings):
    service: ClassVar[str] = "web"
    model_config = SettingsConfigDict(env_prefix="WEB_")

    port: int = 8000
