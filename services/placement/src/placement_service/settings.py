"""Placement's settings: the common ones plus the key it signs tokens with, the pepper for
one-time codes and the development bootstrap of the coordinator account."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, model_validator

from fanxiang_common import devkeys
from fanxiang_common.settings import Environment, ServiceSettings
from placement_service.domain.id_numbers import derive_key

DEV_CODE_PEPPER = "fanxiang-development-pepper"
DEV_COORDINATOR_PHONE = "13800000000"
# Refused in production like the development JWT key.
DEV_ID_NUMBER_KEY = "fanxiang-development-id-number-secret"


class PlacementSettings(ServiceSettings):
    service: ClassVar[str] = "placement"
    host: str = Field(default="127.0.0.1", validation_alias="PLACEMENT_HOST")
    port: int = Field(default=8001, ge=1, le=65535, validation_alias="PLACEMENT_PORT")
    database_url: str = Field(default="", validation_alias="PLACEMENT_DATABASE_URL")
    jwt_private_key: str = Field(
        default=devkeys.PRIVATE_KEY, validation_alias="FANXIANG_JWT_PRIVATE_KEY"
    )
    code_pepper: str = Field(
        default=DEV_CODE_PEPPER, min_length=16, validation_alias="PLACEMENT_CODE_PEPPER"
    )
    # Outside production, a coordinator account with this phone exists from the first start,
    # and code requests answer with the code itself (`dev_code`) so that `make run` and the
    # tests can sign in without an SMS gateway. In production both are off unless set.
    bootstrap_coordinator_phone: str | None = Field(
        default=None, validation_alias="PLACEMENT_BOOTSTRAP_COORDINATOR_PHONE"
    )
    pool_size: int = Field(default=20, ge=2, le=200, validation_alias="PLACEMENT_POOL_SIZE")
    offer_expiry_interval_s: float = Field(
        default=60, gt=0, le=3600, validation_alias="PLACEMENT_OFFER_EXPIRY_INTERVAL_S"
    )
    id_number_key: str = Field(
        default=DEV_ID_NUMBER_KEY,
        validation_alias="PLACEMENT_ID_NUMBER_KEY",
        description="secret (≥ 32 characters) the AES-256-GCM key for ID numbers is derived from",
    )
    token_ttl_hours: float = Field(
        default=12, gt=0, le=24 * 30, validation_alias="PLACEMENT_TOKEN_TTL_HOURS"
    )

    @model_validator(mode="after")
    def _refuse_dev_secrets_in_production(self) -> PlacementSettings:
        production = self.environment is Environment.PRODUCTION
        if production and self.jwt_private_key == devkeys.PRIVATE_KEY:
            raise ValueError("FANXIANG_JWT_PRIVATE_KEY is the development key; set a real key")
        derive_key(self.id_number_key)
        if production and self.id_number_key == DEV_ID_NUMBER_KEY:
            raise ValueError("PLACEMENT_ID_NUMBER_KEY is the development key; set a real key")
        if production and self.code_pepper == DEV_CODE_PEPPER:
            raise ValueError("PLACEMENT_CODE_PEPPER is the development pepper; set a secret")
        if not production and self.bootstrap_coordinator_phone is None:
            self.bootstrap_coordinator_phone = DEV_COORDINATOR_PHONE
        return self

    @property
    def shows_dev_codes(self) -> bool:
        return self.environment is not Environment.PRODUCTION
