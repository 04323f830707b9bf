"""Events of the survey service.

``ResponseSubmittedV1`` (topic ``survey.responses.v1``, keyed by response id) is published by
the web front end's online form; survey consumes it and stores the response once.
``ImportFinishedV1`` (topic ``survey.imports.v1``, keyed by import id) is published by survey
when a file import (问卷星/腾讯问卷 export) has finished; notify tells the coordinator. Neither
carries personal data beyond an optional student id.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from pydantic import Field

from fanxiang_common.events.envelope import EventData
from fanxiang_common.events.topics import IMPORTS, RESPONSES, Topic


class ResponseSubmittedV1(EventData):
    """A respondent submitted the online questionnaire."""

    type: ClassVar[str] = "survey.response.submitted.v1"
    topic: ClassVar[Topic] = RESPONSES
    aggregate_field: ClassVar[str] = "response_id"

    response_id: str = Field(min_length=1)
    questionnaire_id: str = Field(min_length=1)
    answers: dict[str, Any] = Field(
        description="question number → answer: an option label (single, scale), a list of "
        "labels (multi, ranking best first), {row: label} (matrix), text (text), or null"
    )
    student_id: str | None = Field(default=None, description="set when the respondent is known")
    submitted_at: datetime


class ImportFinishedV1(EventData):
    """A survey export file was imported: how many rows, stored, duplicates and problems."""

    type: ClassVar[str] = "survey.import.finished.v1"
    topic: ClassVar[Topic] = IMPORTS
    aggregate_field: ClassVar[str] = "import_id"

    import_id: str
    file_name: str
    rows: int = Field(ge=0, description="data rows in the file (responses, rejected, blank)")
    stored: int = Field(ge=0, description="responses newly stored")
    duplicates: int = Field(ge=0, description="responses already stored (or repeated in file)")
    problems: int = Field(ge=0, description="rows rejected or with a value not usable")
    requested_by: str
