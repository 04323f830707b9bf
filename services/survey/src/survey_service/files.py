"""Reading user files at the edge (the command line): the domain parses text and streams it is
handed and opens no path itself."""

from __future__ import annotations

from pathlib import Path

from survey_service.domain import Questionnaire, questionnaire_from_text


def load_questionnaire(path: str | Path) -> Questionnaire:
    """Load a questionnaire file (.json, or .yaml/.yml when PyYAML is installed).

    Raises ValueError naming the file and the problem."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ValueError(f"cannot read questionnaire {p}: {exc.strerror}") from exc
    return questionnaire_from_text(text, str(p))
