"""Placement's settings: the common ones plus the key it signs tokens with."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from fanxiang_common import devkeys
from fanxiang_common.settings import Environment, ServiceSettings


class PlacementSettings(ServiceSettings):
    service: ClassVar[str] = "placement"
    model_config = SettingsConfigDict(env_prefix="PLACEMENT_")

    port: int = 8001
    jwt_private_key: str = Field(
        default=devkeys.PRIVATE_KEY, validation_alias="FANXIANG_JWT_PRIVATE_KEY"
    )

    @model_validator(mode="after")
    def _refuse_dev_key_in_production(self) -> PlacementSettings:
        if (
            self.environment is Environment.PRODUCTION
            and self.jwt_private_key == devkeys.PRIVATE_KEY
        ):
            raise ValueError("FANXIANG_JWT_PRIVATE_KEY is the development key; set a real key")
        return self
