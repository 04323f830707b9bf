"""Turn one question's cells into an `Answer`, for every question kind and column layout.

Decoders are built once per import (`make_decoder`) and then called per row, so everything
that can be worked out from the header and the questionnaire is worked out up front.
A decoder never raises on a bad value: it returns the INVALID answer and records a warning.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from operator import itemgetter

from survey_service.domain.columns import ColumnGroup
from survey_service.domain.headers import normalise
from survey_service.domain.infer import SELECTED_MARKS, UNSELECTED_MARKS
from survey_service.domain.model import Option, Question, QuestionKind
from survey_service.domain.responses import EMPTY, INVALID, MISSING_ANSWERS, Answer
from survey_service.domain.values import (
    MULTI_SEP,
    RANK_SEP,
    Missing,
    as_int,
    missing,
    split_fill,
    split_joined,
    strip_fills,
)

Warnings = list[tuple[str, str]]  # (column header, reason)


_key = normalise  # NFKC, no spaces, lower case


def _loose(text: str) -> str:
    """A sub-label or option with decorations removed: `其他（请补充）:` → `其他`."""
    k = _key(text)
    k = re.sub(r"〖.*?〗|_{2,}|[:：]+$", "", k)
    k = re.sub(r"\((请|需)?(补充|填写|注明|说明)[^)]*\)$", "", k)
    return k.strip(":：_ ")


class Labels:
    """Resolves a cell token (label, 1-based code, or a variant spelling) to an option label.

    For an inferred question (`closed=False`) an unknown token becomes a new option.
    """

    def __init__(self, options: Sequence[Option], closed: bool) -> None:
        self.options: list[Option] = list(options)
        self.closed = closed
        self.lookup: dict[str, str] = {}
        self.values: dict[str, float | None] = {}
        for o in self.options:
            self._index(o)
        if closed:
            # 问卷星 按序号 downloads write the 1-based option index instead of the label.
            for i, o in enumerate(self.options, start=1):
                self.lookup.setdefault(str(i), o.label)
                self.lookup.setdefault(f"{i}.0", o.label)

    def _index(self, o: Option) -> None:
        self.lookup.setdefault(o.label, o.label)
        self.lookup.setdefault(_key(o.label), o.label)
        self.values[o.label] = o.value

    def resolve(self, token: str) -> str | None:
        hit = self.lookup.get(token)
        if hit is not None:
            return hit
        hit = self.lookup.get(_key(token))
        if hit is None:
            loose = _loose(token)
            for o in self.options:
                if loose and _loose(o.label) == loose:
                    hit = o.label
                    break
        if hit is None and not self.closed:
            label = token
            n = as_int(token)
            if n is not None:
                label = str(n)
            o = Option(label=label, value=float(n) if n is not None and self._scored() else None)
            self.options.append(o)
            self._index(o)
            hit = label
        if hit is not None:
            self.lookup[token] = hit
        return hit

    def _scored(self) -> bool:
        return bool(self.options) and all(o.value is not None for o in self.options)

    def is_open(self, label: str) -> bool:
        return any(o.open and o.label == label for o in self.options)


CACHE_SIZE = 4096


class Decoder:
    """Decodes one question. `decode` memoises on the raw cells: most choice cells repeat, so
    the same (immutable, `shared`) Answer object is handed out again, which also lets the
    analysis tally answers by identity. Values that raised a warning are never cached, so
    every occurrence is reported."""

    def __init__(self, question: Question, group: ColumnGroup) -> None:
        self.question = question
        self.number = question.number
        self.cols = list(group.cols)
        self.headers = list(group.headers)
        self.key = itemgetter(*self.cols)  # one cell → the cell, several → a tuple
        self.cache: dict[object, Answer] = {}

    def decode(self, row: Sequence[str], warn: Warnings) -> Answer:
        key = self.key(row)
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        before = len(warn)
        answer = self._decode(row, warn)
        if len(warn) == before and answer.other is None and len(self.cache) < CACHE_SIZE:
            answer.shared = True
            self.cache[key] = answer
        return answer

    def _decode(self, row: Sequence[str], warn: Warnings) -> Answer:
        raise NotImplementedError

    def options(self) -> tuple[Option, ...]:
        return self.question.options

    def rows(self) -> tuple[str, ...]:
        return self.question.rows

    @staticmethod
    def _combined(states: list[Missing]) -> Answer:
        if Missing.SKIPPED in states:
            return MISSING_ANSWERS[Missing.SKIPPED]
        if Missing.NOT_SHOWN in states:
            return MISSING_ANSWERS[Missing.NOT_SHOWN]
        return EMPTY


class ChoiceDecoder(Decoder):
    """single / scale in one column; multi (`┋`) and ranking (`→`) joined in one column."""

    def __init__(self, question: Question, group: ColumnGroup) -> None:
        super().__init__(question, group)
        self.col = self.cols[0]
        self.labels = Labels(question.options, question.closed)
        kind = question.kind
        self.sep = (
            MULTI_SEP
            if kind is QuestionKind.MULTI
            else (RANK_SEP if kind is QuestionKind.RANKING else None)
        )
        self.max = question.max_choices

    def options(self) -> tuple[Option, ...]:
        return tuple(self.labels.options)

    def decode(self, row: Sequence[str], warn: Warnings) -> Answer:
        cell = row[self.col]
        if "〖" not in cell:
            return super().decode(row, warn)
        # Fill-in text is unique per respondent: decode (and memoise) the cell's shape with the
        # fill-ins emptied, then attach the text to a fresh, unshared answer.
        shape, fill = strip_fills(cell)
        base = super().decode([shape] * (self.col + 1), warn)
        if base.status is not None:
            return base
        return Answer(labels=base.labels, value=base.value, other=fill)

    def _decode(self, row: Sequence[str], warn: Warnings) -> Answer:
        cell = row[self.col].strip()
        gone = missing(cell)
        if gone is not None:
            return MISSING_ANSWERS[gone]
        if self.sep is None:
            label, fill = split_fill(cell)
            hit = self.labels.resolve(label)
            if hit is None:
                warn.append((self.headers[0], f"未知选项：{cell[:40]}"))
                return INVALID
            return Answer(labels=(hit,), value=self.labels.values.get(hit), other=fill)
        chosen: list[str] = []
        other = None
        for part in split_joined(cell, self.sep):
            label, fill = split_fill(part)
            hit = self.labels.resolve(label)
            if hit is None:
                warn.append((self.headers[0], f"未知选项：{part[:40]}"))
                continue
            if hit not in chosen:
                chosen.append(hit)
            if fill is not None:
                other = fill
        if not chosen:
            return INVALID
        if self.max is not None and len(chosen) > self.max:
            warn.append((self.headers[0], f"选项过多：选了{len(chosen)}项，最多{self.max}项"))
        return Answer(labels=tuple(chosen), other=other)


class SplitChoiceDecoder(Decoder):
    """multi as one 0/1 column per option (问卷星 按序号, 腾讯问卷 `N.题干:选项`), or ranking as
    one rank column per option."""

    def __init__(self, question: Question, group: ColumnGroup, col_labels: list[str]) -> None:
        super().__init__(question, group)
        self.col_labels = col_labels
        self.ranking = question.kind is QuestionKind.RANKING
        self.max = question.max_choices
        self.marks = [frozenset({*SELECTED_MARKS, lb, _key(lb)}) for lb in col_labels]

    def _decode(self, row: Sequence[str], warn: Warnings) -> Answer:
        chosen: list[tuple[int, str]] = []
        states: list[Missing] = []
        other = None
        for i, col in enumerate(self.cols):
            cell = row[col].strip()
            gone = missing(cell)
            if gone is not None:
                if gone is not Missing.EMPTY:
                    states.append(gone)
                continue
            if self.ranking:
                rank = as_int(cell)
                if rank is None or rank < 0:
                    warn.append((self.headers[i], f"名次不是数字：{cell[:40]}"))
                    continue
                if rank > 0:
                    chosen.append((rank, self.col_labels[i]))
                continue
            if cell in UNSELECTED_MARKS:
                continue
            if cell not in self.marks[i]:
                mark, fill = split_fill(cell)
                if mark in self.marks[i] and fill:
                    other = fill  # `1〖…〗`
                elif mark in UNSELECTED_MARKS:
                    continue
                else:
                    other = cell  # 腾讯问卷 writes the typed text into the option's column
            chosen.append((len(chosen), self.col_labels[i]))
        if not chosen:
            return self._combined(states)
        chosen.sort()
        labels = tuple(lb for _, lb in chosen)
        if self.max is not None and len(labels) > self.max:
            warn.append((self.headers[0], f"选项过多：选了{len(labels)}项，最多{self.max}项"))
        return Answer(labels=labels, other=other)


class MatrixDecoder(Decoder):
    def __init__(self, question: Question, group: ColumnGroup, col_rows: list[str]) -> None:
        super().__init__(question, group)
        self.col_rows = col_rows
        self.labels = Labels(question.options, question.closed)

    def options(self) -> tuple[Option, ...]:
        return tuple(self.labels.options)

    def _decode(self, row: Sequence[str], warn: Warnings) -> Answer:
        got: dict[str, str] = {}
        states: list[Missing] = []
        for i, col in enumerate(self.cols):
            cell = row[col].strip()
            gone = missing(cell)
            if gone is not None:
                if gone is not Missing.EMPTY:
                    states.append(gone)
                continue
            hit = self.labels.resolve(split_fill(cell)[0])
            if hit is None:
                warn.append((self.headers[i], f"未知选项：{cell[:40]}"))
                continue
            got[self.col_rows[i]] = hit
        if not got:
            return self._combined(states)
        return Answer(rows=got)


class TextDecoder(Decoder):
    def decode(self, row: Sequence[str], warn: Warnings) -> Answer:
        return self._decode(row, warn)  # free text rarely repeats: no memo

    def _decode(self, row: Sequence[str], warn: Warnings) -> Answer:
        parts: list[str] = []
        states: list[Missing] = []
        for col in self.cols:
            cell = row[col].strip()
            gone = missing(cell)
            if gone is None:
                parts.append(cell)
            elif gone is not Missing.EMPTY:
                states.append(gone)
        if not parts:
            return self._combined(states)
        return Answer(text="；".join(parts))


def _match_subs(subs: list[str | None], targets: Sequence[str]) -> list[str | None]:
    """Map each column's sub-label to one of `targets` (option labels or matrix rows)."""
    exact = {_key(t): t for t in targets}
    loose = {_loose(t): t for t in targets}
    out: list[str | None] = []
    for s in subs:
        if s is None:
            out.append(None)
            continue
        hit = exact.get(_key(s)) or loose.get(_loose(s))
        if hit is None:
            ls = _loose(s)
            cands = [
                t
                for lt, t in loose.items()
                if lt and ls and (ls.startswith(lt) or lt.startswith(ls))
            ]
            hit = cands[0] if len(cands) == 1 else None
        out.append(hit)
    return out


def make_decoder(question: Question, group: ColumnGroup) -> tuple[Decoder | None, list[str]]:
    """Build the decoder for `question` laid out as `group`, plus notes on columns it could not
    place (those are reported; the decoder works on the rest). None when the layout does not
    fit the question at all."""
    kind = question.kind
    notes: list[str] = []
    if kind is QuestionKind.TEXT:
        return TextDecoder(question, group), notes
    if not group.split:
        if kind is QuestionKind.MATRIX:
            return None, [f"第{question.number}题是矩阵题，但导出中只有一列：{group.headers[0]}"]
        if len(group.cols) > 1:
            notes += [
                f"第{question.number}题有多个同名列，只读第一列：{h}" for h in group.headers[1:]
            ]
            group = ColumnGroup(
                group.number,
                group.title,
                group.hint,
                group.cols[:1],
                group.subs[:1],
                group.headers[:1],
            )
        return ChoiceDecoder(question, group), notes
    targets = question.rows if kind is QuestionKind.MATRIX else question.labels
    if not question.closed:
        # An inferred question was built from these very columns, in this order.
        mapped: list[str | None] = list(targets[: len(group.subs)])
    else:
        mapped = _match_subs(group.subs, targets)
    keep = [i for i, m in enumerate(mapped) if m is not None]
    for i, m in enumerate(mapped):
        if m is None:
            notes.append(f"第{question.number}题的列无法对应到问卷中的选项或行：{group.headers[i]}")
    if not keep:
        return None, notes
    sub = ColumnGroup(
        group.number,
        group.title,
        group.hint,
        [group.cols[i] for i in keep],
        [group.subs[i] for i in keep],
        [group.headers[i] for i in keep],
    )
    labels = [m for m in (mapped[i] for i in keep) if m is not None]
    if kind in (QuestionKind.MULTI, QuestionKind.RANKING):
        return SplitChoiceDecoder(question, sub, labels), notes
    if kind is QuestionKind.MATRIX:
        return MatrixDecoder(question, sub, labels), notes
    return None, [*notes, f"第{question.number}题（{kind}）不应拆成多列：{group.headers[0]}"]
