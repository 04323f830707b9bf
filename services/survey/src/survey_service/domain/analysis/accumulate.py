"""Streaming accumulators: one pass over the responses fills counters; nothing keeps the
responses themselves (free text is kept as a bounded sample, see textmine)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from survey_service.domain.analysis.textmine import TextAccumulator
from survey_service.domain.model import Question, QuestionKind, Questionnaire
from survey_service.domain.responses import Answer, Response

SPEEDER_SECONDS = 60
MAX_OTHER_TEXTS = 500


@dataclass
class QuestionAccumulator:
    question: Question
    status: Counter[str] = field(default_factory=Counter)  # answered / skipped / empty …
    counts: Counter[str] = field(default_factory=Counter)
    selections: int = 0  # multi: total chosen options (base of "% of responses")
    n_scored: int = 0
    total: float = 0.0
    total_sq: float = 0.0
    others: Counter[str] = field(default_factory=Counter)
    rank_sum: Counter[str] = field(default_factory=Counter)
    rank_pos: Counter[tuple[str, int]] = field(default_factory=Counter)
    rows: dict[str, Counter[str]] = field(default_factory=dict)  # matrix
    row_stats: dict[str, list[float]] = field(default_factory=dict)  # matrix: n, Σx, Σx²
    text: TextAccumulator | None = None

    def __post_init__(self) -> None:
        q = self.question
        self.values = {o.label: o.value for o in q.options}
        if q.kind is QuestionKind.TEXT:
            self.text = TextAccumulator(seed=q.number)
        # Shared answers (decoder-cached) are tallied by identity and applied in bulk by
        # `flush`: one dict update per response instead of several counter updates.
        self.tally: dict[int, list[Any]] = {}

    def add(self, a: Answer) -> None:
        if a.shared:
            slot = self.tally.get(id(a))
            if slot is None:
                self.tally[id(a)] = [a, 1]
            else:
                slot[1] += 1
        else:
            self.apply(a, 1)

    def flush(self) -> None:
        for a, n in self.tally.values():
            self.apply(a, n)
        self.tally.clear()

    def apply(self, a: Answer, w: int) -> None:
        """Count answer `a` as given by `w` respondents."""
        if a.status is not None:
            self.status[a.status] += w
            return
        self.status["answered"] += w
        kind = self.question.kind
        if kind is QuestionKind.TEXT:
            assert self.text is not None
            for _ in range(w):
                self.text.add(a.text or "")
            return
        if kind is QuestionKind.MATRIX:
            for row, label in (a.rows or {}).items():
                c = self.rows.get(row)
                if c is None:
                    c = self.rows[row] = Counter()
                    self.row_stats[row] = [0.0, 0.0, 0.0]
                c[label] += w
                v = self.values.get(label)
                if v is None and label not in self.values:
                    v = _numeric(label)
                if v is not None:
                    st = self.row_stats[row]
                    st[0] += w
                    st[1] += w * v
                    st[2] += w * v * v
            return
        labels = a.labels
        for i, label in enumerate(labels):
            self.counts[label] += w
            if kind is QuestionKind.RANKING:
                self.rank_sum[label] += w * (i + 1)
                self.rank_pos[(label, i + 1)] += w
        self.selections += w * len(labels)
        if a.other and (len(self.others) < MAX_OTHER_TEXTS or a.other in self.others):
            self.others[a.other] += w
        if kind in (QuestionKind.SINGLE, QuestionKind.SCALE) and labels:
            v = a.value if a.value is not None else self.values.get(labels[0])
            if v is None and kind is QuestionKind.SCALE:
                v = _numeric(labels[0])
            if v is not None:
                self.n_scored += w
                self.total += w * v
                self.total_sq += w * v * v


def _numeric(label: str) -> float | None:
    try:
        return float(label)
    except ValueError:
        return None


@dataclass
class CrosstabAccumulator:
    row: int
    col: int
    cells: Counter[tuple[str, str]] = field(default_factory=Counter)
    tally: dict[tuple[int, int], list[Any]] = field(default_factory=dict)

    def add(self, answers: dict[int, Answer]) -> None:
        a, b = answers.get(self.row), answers.get(self.col)
        if a is None or b is None:
            return
        if a.shared and b.shared:
            key = (id(a), id(b))
            slot = self.tally.get(key)
            if slot is None:
                self.tally[key] = [a, b, 1]
            else:
                slot[2] += 1
        else:
            self.apply(a, b, 1)

    def flush(self) -> None:
        for a, b, n in self.tally.values():
            self.apply(a, b, n)
        self.tally.clear()

    def apply(self, a: Answer, b: Answer, w: int) -> None:
        if a.status is not None or b.status is not None or not a.labels or not b.labels:
            return
        for lb in b.labels:  # a multi-choice column question counts each chosen group
            self.cells[(a.labels[0], lb)] += w


@dataclass
class Overview:
    responses: int = 0
    speeders: int = 0
    content_duplicates: int = 0
    flagged: int = 0  # speeders ∪ duplicates: what "valid" leaves out
    durations: Counter[int] = field(default_factory=Counter)  # whole seconds → responses
    sources: Counter[str] = field(default_factory=Counter)
    days: Counter[date] = field(default_factory=Counter)
    _keys: set[int] = field(default_factory=set)


class Analyzer:
    """Accumulates a survey's responses for `analyze.result()`.

    Feed it responses (from an import, or later from the database) with `add`; the
    questionnaire may gain option labels meanwhile (inferred imports), so the final one is
    passed to `result`.
    """

    def __init__(
        self, questionnaire: Questionnaire, crosstabs: list[tuple[int, int]] | None = None
    ) -> None:
        self.questionnaire = questionnaire
        self.questions = {q.number: QuestionAccumulator(q) for q in questionnaire.questions}
        if crosstabs is None:
            crosstabs = [(s.row, c) for s in questionnaire.analysis.crosstabs for c in s.columns]
        kinds = {q.number: q.kind for q in questionnaire.questions}
        one = (QuestionKind.SINGLE, QuestionKind.SCALE)
        # Rows must be one-answer questions; a multi-choice column counts each chosen group.
        self.crosstabs = [
            CrosstabAccumulator(r, c)
            for r, c in crosstabs
            if kinds.get(r) in one and kinds.get(c) in (*one, QuestionKind.MULTI) and r != c
        ]
        self.overview = Overview()
        self._items = list(self.questions.items())

    def add(self, response: Response) -> None:
        ov = self.overview
        ov.responses += 1
        flagged = False
        d = response.duration
        if d is not None:
            ov.durations[int(d)] += 1
            if d < SPEEDER_SECONDS:
                ov.speeders += 1
                flagged = True
        if response.content_key == 0:
            pass  # no key given (responses built outside an import)
        elif response.content_key in ov._keys:
            ov.content_duplicates += 1
            flagged = True
        else:
            ov._keys.add(response.content_key)
        ov.flagged += flagged
        if response.source:
            ov.sources[response.source] += 1
        when = response.submitted_at or response.started_at
        if when is not None:
            ov.days[when.date()] += 1
        answers = response.answers
        # QuestionAccumulator.add and CrosstabAccumulator.add, inlined: this loop runs
        # (questions + cross-tabs) times per response.
        for number, acc in self._items:
            a = answers.get(number)
            if a is None:
                continue
            if a.shared:
                slot = acc.tally.get(id(a))
                if slot is None:
                    acc.tally[id(a)] = [a, 1]
                else:
                    slot[1] += 1
            else:
                acc.apply(a, 1)
        for ct in self.crosstabs:
            a, b = answers.get(ct.row), answers.get(ct.col)
            if a is None or b is None:
                continue
            if a.shared and b.shared:
                key = (id(a), id(b))
                cslot = ct.tally.get(key)
                if cslot is None:
                    ct.tally[key] = [a, b, 1]
                else:
                    cslot[2] += 1
            else:
                ct.apply(a, b, 1)

    def flush(self) -> None:
        """Apply the tallies; `build_result` calls this before reading the counters."""
        for acc in self.questions.values():
            acc.flush()
        for ct in self.crosstabs:
            ct.flush()
