"""Questionnaires stored as data: the season's instrument shipped in `survey_service/data/`,
or any JSON/YAML text in the same shape (see docs/survey.md). The domain reads only its own
package data; user files are read at the edge (`survey_service.files`)."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from survey_service.domain.model import Questionnaire

SEASON_FILE = "questionnaire-2026.json"


def parse_questionnaire(data: dict[str, Any]) -> Questionnaire:
    return Questionnaire.model_validate(data)


def questionnaire_from_text(text: str, name: str = "questionnaire.json") -> Questionnaire:
    """Parse a questionnaire file's text: YAML when ``name`` ends in .yaml/.yml (PyYAML must be
    installed), else JSON. Reading the file is the caller's (``survey_service.files``).

    Raises ValueError naming ``name`` and the problem."""
    try:
        if name.lower().endswith((".yaml", ".yml")):
            import yaml

            data = yaml.safe_load(text)
        else:
            data = json.loads(text)
    except Exception as exc:
        raise ValueError(f"questionnaire {name} is not valid JSON/YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError(f"questionnaire {name} must hold an object with 'questions'")
    try:
        return parse_questionnaire(data)
    except Exception as exc:
        raise ValueError(f"questionnaire {name} is invalid: {exc}") from exc


def season_questionnaire() -> Questionnaire:
    """The 17-question 返家乡 questionnaire of the current season."""
    text = resources.files("survey_service.data").joinpath(SEASON_FILE).read_text("utf-8")
    return parse_questionnaire(json.loads(text))


def data_text(name: str) -> str:
    """A text resource shipped in `survey_service/data/` (user dictionary, stop words …)."""
    return resources.files("survey_service.data").joinpath(name).read_text("utf-8")
