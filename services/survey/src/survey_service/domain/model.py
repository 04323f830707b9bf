"""The questionnaire as data: questions, options, skip logic, versioned.

Pydantic models so that the data file, the HTTP API and the importer share one validated shape.
Per-response objects live in `responses.py` as plain slotted classes: they are made a million
times per import and must stay cheap.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class QuestionKind(StrEnum):
    SINGLE = "single"
    MULTI = "multi"
    SCALE = "scale"
    MATRIX = "matrix"
    RANKING = "ranking"
    TEXT = "text"


CHOICE_KINDS = frozenset({QuestionKind.SINGLE, QuestionKind.MULTI, QuestionKind.RANKING})


class Option(BaseModel):
    """One answer option. `value` is the score of a scale/matrix point; `open` marks 其他____."""

    model_config = ConfigDict(frozen=True)

    label: str = Field(min_length=1)
    value: float | None = None
    open: bool = False


class ShowIf(BaseModel):
    """Skip logic: the question is shown only when question `question` was answered with one of
    `any_of` (or with none of `none_of`)."""

    model_config = ConfigDict(frozen=True)

    question: int
    any_of: tuple[str, ...] = ()
    none_of: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _one_rule(self) -> ShowIf:
        if bool(self.any_of) == bool(self.none_of):
            raise ValueError("show_if needs exactly one of any_of / none_of")
        return self

    def shown(self, labels: tuple[str, ...] | None) -> bool:
        """Whether the question is shown, given the controlling answer's labels (None: not
        answered, which hides the question)."""
        if labels is None:
            return False
        if self.any_of:
            return any(label in self.any_of for label in labels)
        return not any(label in self.none_of for label in labels)


def _coerce_option(raw: Any) -> Any:
    return {"label": raw} if isinstance(raw, str) else raw


class Question(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: int = Field(ge=1)
    title: str
    kind: QuestionKind
    options: tuple[Option, ...] = ()
    rows: tuple[str, ...] = ()  # matrix rows
    max_choices: int | None = Field(default=None, ge=1)  # multi: 最多选N项
    blanks: tuple[str, ...] = ()  # text: several fill-in blanks (填空1, 填空2 …)
    show_if: ShowIf | None = None
    # An inferred question learns new option labels while importing; a given one rejects them.
    closed: bool = True

    @field_validator("options", mode="before")
    @classmethod
    def _options(cls, raw: Any) -> Any:
        return [_coerce_option(o) for o in raw] if isinstance(raw, list | tuple) else raw

    @model_validator(mode="after")
    def _shape(self) -> Question:
        if self.kind is not QuestionKind.TEXT and self.closed and not self.options:
            raise ValueError(f"question {self.number} ({self.kind}) needs options")
        if self.kind is QuestionKind.MATRIX and self.closed and not self.rows:
            raise ValueError(f"question {self.number} (matrix) needs rows")
        labels = [o.label for o in self.options]
        if len(set(labels)) != len(labels):
            raise ValueError(f"question {self.number} has duplicate option labels")
        return self

    @cached_property
    def labels(self) -> tuple[str, ...]:
        return tuple(o.label for o in self.options)

    @cached_property
    def is_scored(self) -> bool:
        """Scale-like: every option carries a numeric score (mean/SD/top-2-box make sense)."""
        return bool(self.options) and all(o.value is not None for o in self.options)


class CrosstabSpec(BaseModel):
    model_config = ConfigDict(frozen=True)

    row: int  # the outcome, e.g. intent to return
    columns: tuple[int, ...]  # the groups it is broken down by


class AnalysisSpec(BaseModel):
    model_config = ConfigDict(frozen=True)

    crosstabs: tuple[CrosstabSpec, ...] = ()


class Questionnaire(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    version: str
    title: str = ""
    questions: tuple[Question, ...]
    analysis: AnalysisSpec = AnalysisSpec()
    inferred: bool = False  # True when built from an export's headers and values

    @model_validator(mode="after")
    def _consistent(self) -> Questionnaire:
        numbers = [q.number for q in self.questions]
        if len(set(numbers)) != len(numbers):
            raise ValueError("duplicate question numbers")
        by_number = {q.number: q for q in self.questions}
        for q in self.questions:
            if q.show_if is not None:
                ctl = by_number.get(q.show_if.question)
                if ctl is None or ctl.number >= q.number:
                    raise ValueError(f"question {q.number}: show_if must name an earlier question")
        for spec in self.analysis.crosstabs:
            for n in (spec.row, *spec.columns):
                if n not in by_number:
                    raise ValueError(f"crosstab names unknown question {n}")
        return self

    def question(self, number: int) -> Question:
        for q in self.questions:
            if q.number == number:
                return q
        raise KeyError(number)
