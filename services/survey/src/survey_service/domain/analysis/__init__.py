"""Analysis of survey responses: streaming accumulators → a JSON-ready result."""

from survey_service.domain.analysis.accumulate import Analyzer
from survey_service.domain.analysis.compare import compare_results
from survey_service.domain.analysis.result import build_result

__all__ = ["Analyzer", "build_result", "compare_results"]
