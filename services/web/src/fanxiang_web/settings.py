"""Web's settings: the common ones plus where the services it calls are reached."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from fanxiang_common.settings import ServiceSettings, service_url


class WebSettings(ServiceSettings):
    service: ClassVar[str] = "web"
    host: str = Field(default="127.0.0.1", validation_alias="WEB_HOST")
    port: int = Field(default=8000, ge=1, le=65535, validation_alias="WEB_PORT")
    database_url: str = Field(default="", validation_alias="WEB_DATABASE_URL")
    # The services' HTTP APIs (DESIGN.md: the web front end talks to them over HTTP only).
    placement_url: str = Field(default=service_url("placement"), validation_alias="PLACEMENT_URL")
    matching_url: str = Field(default=service_url("matching"), validation_alias="MATCHING_URL")
    survey_url: str = Field(default=service_url("survey"), validation_alias="SURVEY_URL")
    notify_url: str = Field(default=service_url("notify"), validation_alias="NOTIFY_URL")
    # Seconds to wait for a service before the page says it is unavailable.
    service_timeout_s: float = Field(
        default=10.0, gt=0, le=120, validation_alias="WEB_SERVICE_TIMEOUT_S"
    )
    # The season questionnaire students answer online (survey's id).
    survey_questionnaire: str = Field(
        default="fanxiang-return-home-survey",
        min_length=1,
        validation_alias="WEB_SURVEY_QUESTIONNAIRE",
    )
    # The largest survey export the web forwards to survey (bytes); survey has its own limit.
    survey_max_upload_bytes: int = Field(
        default=1024 * 1024 * 1024, ge=1, validation_alias="WEB_SURVEY_MAX_UPLOAD_BYTES"
    )
    # 市直 posts have no county; for 就近 they sit at the city government, in this county.
    city_seat_county: str = Field(
        default="140302", pattern=r"^\d{6}$", validation_alias="WEB_CITY_SEAT_COUNTY"
    )
