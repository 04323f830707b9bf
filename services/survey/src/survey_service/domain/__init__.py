"""The survey service's pure core: questionnaire model, export import, analysis.

No network, no database: the HTTP/Kafka/PostgreSQL layers call these functions.

    from survey_service.domain import read_export, Analyzer, build_result
    imp = read_export(stream, questionnaire)         # or questionnaire=None to infer
    analyzer = Analyzer(imp.questionnaire)
    for response in imp.responses():                 # store each, and/or analyse it
        analyzer.add(response)
    result = build_result(analyzer, imp.questionnaire, imp.report)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, Any

from survey_service.domain.analysis import Analyzer, build_result, compare_results
from survey_service.domain.catalog import (
    parse_questionnaire,
    questionnaire_from_text,
    season_questionnaire,
)
from survey_service.domain.importer import ExportImport, Progress, read_export
from survey_service.domain.model import (
    Option,
    Question,
    QuestionKind,
    Questionnaire,
    ShowIf,
)
from survey_service.domain.responses import Answer, ImportReport, Level, Problem, Response
from survey_service.domain.tabular import UnreadableExport


def analyze_export(
    stream: IO[bytes],
    questionnaire: Questionnaire | None = None,
    *,
    crosstabs: list[tuple[int, int]] | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Import and analyse one export in a single streaming pass."""
    imp = read_export(stream, questionnaire, progress)
    analyzer = Analyzer(imp.questionnaire, crosstabs)
    for response in imp.responses():
        analyzer.add(response)
    return build_result(analyzer, imp.questionnaire, imp.report)


def analyze_responses(
    questionnaire: Questionnaire,
    responses: Iterable[Response],
    *,
    crosstabs: list[tuple[int, int]] | None = None,
) -> dict[str, Any]:
    """Analyse responses from anywhere (e.g. the database, API submissions)."""
    analyzer = Analyzer(questionnaire, crosstabs)
    for response in responses:
        analyzer.add(response)
    return build_result(analyzer, questionnaire)


__all__ = [
    "Analyzer",
    "Answer",
    "ExportImport",
    "ImportReport",
    "Level",
    "Option",
    "Problem",
    "Question",
    "QuestionKind",
    "Questionnaire",
    "Response",
    "ShowIf",
    "UnreadableExport",
    "analyze_export",
    "analyze_responses",
    "build_result",
    "compare_results",
    "parse_questionnaire",
    "questionnaire_from_text",
    "read_export",
    "season_questionnaire",
]
