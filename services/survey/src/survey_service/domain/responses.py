"""What an import produces: responses with their answers, and the problems met on the way.

Plain slotted classes (not pydantic): an import makes one per row, up to millions.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from survey_service.domain.values import Missing


class Answer:
    """One question's answer in one response.

    `status` is None for a real answer, else why there is none. `labels` holds the chosen
    option labels (single: one; multi: the chosen ones; ranking: best first), `value` the score
    of a scored option, `rows` a matrix's row → option label, `text` a fill-in's text and
    `other` the text typed into an open option (其他〖…〗).
    """

    __slots__ = ("labels", "other", "rows", "shared", "status", "text", "value")

    def __init__(
        self,
        status: Missing | None = None,
        labels: tuple[str, ...] = (),
        value: float | None = None,
        rows: dict[str, str] | None = None,
        text: str | None = None,
        other: str | None = None,
    ) -> None:
        self.status = status
        self.labels = labels
        self.value = value
        self.rows = rows
        self.text = text
        self.other = other
        # True for answers a decoder hands out to many responses (cached per distinct cell
        # value): treat every Answer as immutable. Lets the analysis tally them by identity.
        self.shared = False

    @property
    def answered(self) -> bool:
        return self.status is None

    def __repr__(self) -> str:
        parts = [
            f"{k}={getattr(self, k)!r}"
            for k in self.__slots__
            if getattr(self, k) and k != "shared"
        ]
        return f"Answer({', '.join(parts)})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Answer):
            return NotImplemented
        return all(getattr(self, k) == getattr(other, k) for k in self.__slots__ if k != "shared")

    __hash__ = None  # type: ignore[assignment]


EMPTY = Answer(Missing.EMPTY)
SKIPPED = Answer(Missing.SKIPPED)
NOT_SHOWN = Answer(Missing.NOT_SHOWN)
INVALID = Answer(Missing.INVALID)
MISSING_ANSWERS = {
    Missing.EMPTY: EMPTY,
    Missing.SKIPPED: SKIPPED,
    Missing.NOT_SHOWN: NOT_SHOWN,
    Missing.INVALID: INVALID,
}
for _a in MISSING_ANSWERS.values():
    _a.shared = True


class Response:
    """One respondent's submission. No personal data: IP, user id and nickname never get here.

    `fingerprint` is stable across re-imports of the same submission (vendor + answer id +
    submit time when the export has them, else a hash of the answers), so a store can dedupe.
    """

    __slots__ = (
        "answers",
        "content_key",
        "duration",
        "fingerprint",
        "row",
        "source",
        "source_id",
        "started_at",
        "submitted_at",
    )

    def __init__(
        self,
        row: int,
        fingerprint: str,
        answers: dict[int, Answer],
        source_id: str | None = None,
        submitted_at: datetime | None = None,
        started_at: datetime | None = None,
        duration: float | None = None,
        source: str | None = None,
        content_key: int = 0,
    ) -> None:
        self.row = row
        # Equal for responses with identical answers (same respondent submitting twice);
        # a per-process hash, for duplicate counting only, never stored.
        self.content_key = content_key
        self.fingerprint = fingerprint
        self.answers = answers
        self.source_id = source_id
        self.submitted_at = submitted_at
        self.started_at = started_at
        self.duration = duration
        self.source = source


class Level(StrEnum):
    REJECTED = "rejected"  # the row is not a response
    SKIPPED = "skipped"  # a blank line: no data to lose, reported anyway
    WARNING = "warning"  # the row is a response, but one value in it was not usable


@dataclass(frozen=True, slots=True)
class Problem:
    row: int | None  # 1-based row (xlsx) / line (csv) number; None for file-level notes
    column: str | None
    reason: str
    level: Level

    def as_dict(self) -> dict[str, object]:
        return {
            "row": self.row,
            "column": self.column,
            "reason": self.reason,
            "level": str(self.level),
        }


MAX_LISTED_PROBLEMS = 100_000


@dataclass
class ImportReport:
    """Everything about one import except the responses themselves.

    Invariant once the import has run: data_rows == responses + rejected + blank.
    """

    vendor: str = "unknown"
    format: str = ""
    encoding: str | None = None
    mode: str = "text"  # 问卷星: "text" (按选项文本) or "code" (按选项序号)
    header_row: int = 1
    data_rows: int = 0
    responses: int = 0
    rejected: int = 0
    blank: int = 0
    warnings: int = 0
    exact_duplicates: int = 0
    dropped_columns: list[str] = field(default_factory=list)  # personal data, never kept
    ignored_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # file-level findings (header mismatches …)
    problems: list[Problem] = field(default_factory=list)
    problem_counts: Counter[str] = field(default_factory=Counter)
    unlisted_problems: int = 0

    def add(self, problem: Problem) -> None:
        if problem.level is Level.REJECTED:
            self.rejected += 1
        elif problem.level is Level.SKIPPED:
            self.blank += 1
        else:
            self.warnings += 1
        self.problem_counts[problem.reason.split("：")[0]] += 1
        if len(self.problems) < MAX_LISTED_PROBLEMS:
            self.problems.append(problem)
        else:
            self.unlisted_problems += 1

    def as_dict(self, max_problems: int = 200) -> dict[str, object]:
        return {
            "vendor": self.vendor,
            "format": self.format,
            "encoding": self.encoding,
            "mode": self.mode,
            "header_row": self.header_row,
            "data_rows": self.data_rows,
            "responses": self.responses,
            "rejected": self.rejected,
            "blank": self.blank,
            "warnings": self.warnings,
            "exact_duplicates": self.exact_duplicates,
            "dropped_columns": self.dropped_columns,
            "ignored_columns": self.ignored_columns,
            "notes": self.notes,
            "problem_counts": dict(self.problem_counts),
            "problems": [p.as_dict() for p in self.problems[:max_problems]],
            "problems_listed": min(len(self.problems), max_problems),
        }
