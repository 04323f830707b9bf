"""Placement's settings: the common ones plus the key it signs tokens with."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, model_validator

from fanxiang_common import devkeys
from fanxiang_common.settings import Environment, ServiceSettings


class PlacementSettings(ServiceSettings):
    service: ClassVar[str] = "placement"
    host: str = Field(default="127.0.0.1", validation_alias="PLACEMENT_HOST")
    port: int = Field(default=8001, ge=1, le=65535, validation_alias="PLACEMENT_PORT")
    database_url: str = Field(default="", validation_alias="PLACEMENT_DATABASE_URL")
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
