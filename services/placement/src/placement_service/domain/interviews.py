"""Interviews (双向选择): per-criterion score sheets → an overall score, and refusal (不录用)."""

from __future__ import annotations

from collections.abc import Mapping

from fanxiang_common.errors import Unprocessable

MAX_SCORE = 100.0


def overall_score(scores: Mapping[str, float], weights: Mapping[str, float] | None = None) -> float:
    """Weighted mean of the criteria's scores (0–100), rounded to 2 places. Without weights
    every criterion counts the same; a weight for a criterion not scored is an error."""
    if not scores:
        raise Unprocessable("score at least one criterion", loc=("body", "scores"))
    for name, value in scores.items():
        if not name.strip():
            raise Unprocessable("a criterion needs a name", loc=("body", "scores"))
        if not 0 <= value <= MAX_SCORE:
            raise Unprocessable(
                f"{name}: a score is between 0 and {MAX_SCORE:g}, got {value}",
                loc=("body", "scores", name),
            )
    weights = dict(weights or {})
    for name, w in weights.items():
        if name not in scores:
            raise Unprocessable(
                f"weight for {name}, which is not scored", loc=("body", "weights", name)
            )
        if w < 0:
            raise Unprocessable("a weight may not be negative", loc=("body", "weights", name))
    total_weight = sum(weights.get(n, 1.0) for n in scores)
    if total_weight <= 0:
        raise Unprocessable("the weights add up to nothing", loc=("body", "weights"))
    total = sum(v * weights.get(n, 1.0) for n, v in scores.items())
    return round(total / total_weight, 2)
