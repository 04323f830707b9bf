"""Survey's settings (the common ones; see fanxiang_common.settings for the environment)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import ClassVar

from pydantic import Field

from fanxiang_common.settings import ServiceSettings


class SurveySettings(ServiceSettings):
    service: ClassVar[str] = "survey"
    host: str = Field(default="127.0.0.1", validation_alias="SURVEY_HOST")
    port: int = Field(default=8003, ge=1, le=65535, validation_alias="SURVEY_PORT")
    database_url: str = Field(default="", validation_alias="SURVEY_DATABASE_URL")
    # Largest export accepted by POST /v1/imports (413 past it). 1 GiB holds a 1M-row CSV.
    max_upload_bytes: int = Field(
        default=1024 * 1024 * 1024, ge=1, validation_alias="SURVEY_MAX_UPLOAD_BYTES"
    )
    # Uploaded exports are kept here until their import ends (an interrupted import resumes
    # from it at the next start). Default: a folder in the system's temporary directory,
    # which survives a service restart but not a reboot: point it at a volume in production.
    upload_dir: Path | None = Field(default=None, validation_alias="SURVEY_UPLOAD_DIR")

    def resolved_upload_dir(self) -> Path:
        return self.upload_dir or Path(tempfile.gettempdir()) / "fanxiang-survey-uploads"

    # An import whose heartbeat (one per stored batch) is older than this is taken to be
    # interrupted and is resumed by whichever instance claims it first; swept this often.
    import_stale_s: float = Field(default=120.0, ge=0, validation_alias="SURVEY_IMPORT_STALE_S")
    import_sweep_s: float = Field(default=30.0, gt=0, validation_alias="SURVEY_IMPORT_SWEEP_S")
