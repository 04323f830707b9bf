"""Questionnaires stored as data: the season's instrument shipped in `survey_service/data/`,
or any JSON/YAML file in the same shape (see docs/survey.md)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from survey_service.domain.model import Questionnaire

SEASON_FILE = "questionnaire-2026.json"


def parse_questionnaire(data: dict[str, Any]) -> Questionnaire:
    return Questionnaire.model_validate(data)


def load_questionnaire(path: str | Path) -> Questionnaire:
    """Load a questionnaire file (.json, or .yaml/.yml when PyYAML is installed).

    Raises ValueError naming the problem for unreadable or invalid files."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ValueError(f"cannot read questionnaire {p}: {exc.strerror}") from exc
    try:
        if p.suffix.lower() in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(text)
        else:
            data = json.loads(text)
    except Exception as exc:
        raise ValueError(f"questionnaire {p} is not valid JSON/YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError(f"questionnaire {p} must hold an object with 'questions'")
    try:
        return parse_questionnaire(data)
    except Exception as exc:
        raise ValueError(f"questionnaire {p} is invalid: {exc}") from exc


def season_questionnaire() -> Questionnaire:
    """The 17-question 返家乡 questionnaire of the current season."""
    text = resources.files("survey_service.data").joinpath(SEASON_FILE).read_text("utf-8")
    return parse_questionnaire(json.loads(text))


def data_text(name: str) -> str:
    """A text resource shipped in `survey_service/data/` (user dictionary, stop words …)."""
    return resources.files("survey_service.data").joinpath(name).read_text("utf-8")
