"""Import one 问卷星/腾讯问卷 export: a stream of `Response`s and an `ImportReport`.

    imp = read_export(stream, questionnaire)      # header read, first rows sampled
    for response in imp.responses(): ...          # streamed, one row at a time
    imp.report                                    # complete once the stream is exhausted
    imp.questionnaire                             # given, or inferred (with every label seen)

Every data row ends up as exactly one of: a response, a rejected row, a blank row; each of the
last two (and every unusable value inside a response) is a `Problem` with row, column, reason.
Personal data columns (IP, user id, nickname …) are never read past their header.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from datetime import datetime
from itertools import chain, islice
from operator import itemgetter
from typing import IO

from survey_service.domain.columns import HeaderMap, map_header
from survey_service.domain.decode import ChoiceDecoder, Decoder, SplitChoiceDecoder, make_decoder
from survey_service.domain.headers import Meta, normalise
from survey_service.domain.infer import infer_question
from survey_service.domain.model import Question, Questionnaire
from survey_service.domain.responses import ImportReport, Level, Problem, Response
from survey_service.domain.tabular import UnreadableExport, open_table
from survey_service.domain.values import as_int, parse_duration, parse_time

SAMPLE_ROWS = 2000
PROGRESS_EVERY = 50_000

Progress = Callable[[int], None]


class ExportImport:
    def __init__(
        self,
        stream: IO[bytes],
        questionnaire: Questionnaire | None = None,
        progress: Progress | None = None,
    ) -> None:
        table = open_table(stream)
        self._table = table
        self._progress = progress
        self.header = table.header
        self.hmap: HeaderMap = map_header(table.header)
        self.report = ImportReport(
            vendor=self.hmap.vendor,
            format=table.info.format,
            encoding=table.info.encoding,
            header_row=table.header_row,
        )
        h = self.header
        self.report.dropped_columns = [h[i].strip() for i in self.hmap.sensitive]
        self.report.ignored_columns = [h[i].strip() for i in self.hmap.ignored if h[i].strip()]
        self._sample = list(islice(table.rows, SAMPLE_ROWS))
        if not self.hmap.groups:
            self._find_header()
        self._given = questionnaire
        self.decoders: list[Decoder] = []
        if questionnaire is None:
            self._infer()
        else:
            self._match(questionnaire)
        if not self.decoders:
            raise UnreadableExport(
                "no question columns found in the header row (expected headers such as "
                "'1、题目', '1.题目', 'Q1' or '第1题'): is this a questionnaire export?"
            )
        self.report.mode = self._mode()
        if self.report.mode == "code" and questionnaire is None:
            self.report.notes.append(
                "按序号下载且未提供问卷：选项以序号显示；提供问卷文件即可显示选项文字"
            )
        self._consumed = False

    # -- setup -------------------------------------------------------------------------

    def _find_header(self) -> None:
        """Some saved exports carry a title line above the header: take the first of the
        next rows that names questions, and report the lines skipped."""
        for i, (row_no, cells) in enumerate(self._sample[:10]):
            hmap = map_header(cells)
            if hmap.groups:
                skipped = [self._table.header_row] + [n for n, _ in self._sample[:i]]
                self.header, self.hmap = cells, hmap
                self._sample = self._sample[i + 1 :]
                rep = self.report
                rep.header_row = row_no
                rep.vendor = hmap.vendor
                rep.dropped_columns = [cells[c].strip() for c in hmap.sensitive]
                rep.ignored_columns = [cells[c].strip() for c in hmap.ignored if cells[c].strip()]
                rep.notes.append(
                    f"表头在第{row_no}行；之前的第{'、'.join(map(str, skipped))}行不是数据，已跳过"
                )
                return

    def _infer(self) -> None:
        for group in self.hmap.groups:
            q = infer_question(group, [cells for _, cells in self._sample])
            dec, notes = make_decoder(q, group)
            self.report.notes.extend(notes)
            if dec is not None:
                self.decoders.append(dec)
        self.report.notes.append("未提供问卷：题型和选项由表头和数据推断")

    def _match(self, questionnaire: Questionnaire) -> None:
        groups = {g.number: g for g in self.hmap.groups}
        for q in questionnaire.questions:
            group = groups.pop(q.number, None)
            if group is None:
                self.report.notes.append(f"导出中没有第{q.number}题（{q.title}）的列")
                continue
            if group.title and not _similar(group.title, q.title):
                self.report.notes.append(
                    f"第{q.number}题的表头与问卷题目不一致：“{group.title}” ≠ “{q.title}”"
                )
            dec, notes = make_decoder(q, group)
            self.report.notes.extend(notes)
            if dec is not None:
                self.decoders.append(dec)
        for group in groups.values():
            self.report.notes.append(
                f"问卷中没有第{group.number}题，已忽略这些列：" + "、".join(group.headers)
            )
            self.report.ignored_columns.extend(group.headers)

    def _mode(self) -> str:
        """问卷星 按序号 (code) when the choice cells of the sample are all integers."""
        cells = ints = 0
        for dec in self.decoders:
            if isinstance(dec, ChoiceDecoder | SplitChoiceDecoder):
                for _, row in self._sample[:200]:
                    for c in dec.cols:
                        v = row[c].strip() if c < len(row) else ""
                        if v:
                            cells += 1
                            ints += as_int(v) is not None
        return "code" if cells and ints >= 0.95 * cells else "text"

    @property
    def questionnaire(self) -> Questionnaire:
        """The questionnaire used: the given one, or the inferred one with every option label
        seen so far (complete once `responses()` is exhausted)."""
        if self._given is not None:
            return self._given
        qs: list[Question] = []
        for dec in self.decoders:
            qs.append(dec.question.model_copy(update={"options": dec.options()}))
        return Questionnaire(
            id="inferred", version="export", title="", questions=tuple(qs), inferred=True
        )

    # -- rows --------------------------------------------------------------------------

    def responses(self) -> Iterator[Response]:
        if self._consumed:
            raise RuntimeError("an export can be streamed once")
        self._consumed = True
        rep = self.report
        header = self.header
        ncols = len(header)
        is_csv = rep.format == "csv"
        decoders = self.decoders
        meta = self.hmap.meta
        c_id = meta.get(Meta.ID)
        c_sub = meta.get(Meta.SUBMITTED_AT)
        c_start = meta.get(Meta.STARTED_AT)
        c_dur = meta.get(Meta.DURATION)
        c_src = meta.get(Meta.SOURCE)
        qcols = sorted(c for d in decoders for c in d.cols)
        show = [(d.number, d.question.show_if) for d in decoders if d.question.show_if]
        vendor = rep.vendor
        seen: dict[int, int] = {}
        header_key = [c.strip() for c in header]
        first_header = header_key[0] if header_key else ""
        content_of = itemgetter(*qcols) if qcols else (lambda _cells: ())
        progress = self._progress
        rows = chain(self._sample, self._table.rows)
        self._sample = []
        for row_no, cells in rows:
            rep.data_rows += 1
            if progress is not None and rep.data_rows % PROGRESS_EVERY == 0:
                progress(rep.data_rows)
            joined = "".join(cells)
            if not joined.strip():
                rep.add(Problem(row_no, None, "空行", Level.SKIPPED))
                continue
            n = len(cells)
            if n != ncols:
                if n > ncols and not any(c.strip() for c in cells[ncols:]):
                    cells = cells[:ncols]
                elif n < ncols and not is_csv:
                    cells = cells + [""] * (ncols - n)  # xlsx leaves trailing blanks out
                else:
                    rep.add(
                        Problem(row_no, None, f"列数不符：应有{ncols}列，实际{n}列", Level.REJECTED)
                    )
                    continue
            if cells[0].strip() == first_header and [c.strip() for c in cells] == header_key:
                rep.add(Problem(row_no, None, "重复的表头行", Level.REJECTED))
                continue
            warn: list[tuple[str, str]] = []
            answers = {}
            for d in decoders:  # Decoder.decode's memo lookup, inlined (17× per row)
                a = d.cache.get(d.key(cells))
                answers[d.number] = a if a is not None else d.decode(cells, warn)
            for a in answers.values():
                if a.status is None:
                    break
            else:
                rep.add(Problem(row_no, None, "没有任何作答", Level.REJECTED))
                continue
            sid = cells[c_id].strip() if c_id is not None else ""
            submitted = _time(cells, c_sub, header, warn)
            started = _time(cells, c_start, header, warn)
            duration = None
            if c_dur is not None and cells[c_dur].strip():
                duration = parse_duration(cells[c_dur])
                if duration is None:
                    warn.append((header[c_dur], f"无法识别的答题时长：{cells[c_dur][:20]}"))
            if duration is None and submitted and started:
                duration = (submitted - started).total_seconds()
            if sid:
                key = f"{vendor}\x1fid\x1f{sid}\x1f{submitted or ''}"
            else:
                key = "\x1f".join(
                    [
                        vendor,
                        "row",
                        str(submitted or ""),
                        str(started or ""),
                        str(duration or ""),
                        *(cells[c] for c in qcols),
                    ]
                )
            digest = hashlib.blake2b(key.encode("utf-8"), digest_size=16).digest()
            ikey = int.from_bytes(digest[:8], "big")
            first = seen.get(ikey)
            if first is not None:
                rep.exact_duplicates += 1
                rep.add(Problem(row_no, None, f"重复答卷：与第{first}行相同", Level.REJECTED))
                continue
            seen[ikey] = row_no
            for number, rule in show:
                ctl = answers.get(rule.question)
                labels = ctl.labels if ctl is not None and ctl.status is None else None
                if answers[number].status is None and not rule.shown(labels):
                    warn.append((f"第{number}题", "按跳题逻辑不应显示，却有作答"))
            if is_csv and "\ufffd" in joined:
                warn.append(("", "含无法解码的字符（文件编码有误？）"))
            for col, reason in warn:
                rep.add(Problem(row_no, col or None, reason, Level.WARNING))
            rep.responses += 1
            yield Response(
                row=row_no,
                fingerprint=digest.hex(),
                answers=answers,
                source_id=sid or None,
                submitted_at=submitted,
                started_at=started,
                duration=duration,
                source=cells[c_src].strip() or None if c_src is not None else None,
                content_key=hash(content_of(cells)),
            )
        if progress is not None:
            progress(rep.data_rows)


def _time(
    cells: list[str], col: int | None, header: list[str], warn: list[tuple[str, str]]
) -> datetime | None:
    if col is None or not cells[col].strip():
        return None
    t = parse_time(cells[col])
    if t is None:
        warn.append((header[col], f"无法识别的时间：{cells[col][:30]}"))
    return t


def _similar(a: str, b: str) -> bool:
    ka, kb = normalise(a), normalise(b)
    return ka in kb or kb in ka


def read_export(
    stream: IO[bytes], questionnaire: Questionnaire | None = None, progress: Progress | None = None
) -> ExportImport:
    """Open an export (seekable binary stream). Raises `UnreadableExport` naming the problem
    when the file is not a readable export at all."""
    return ExportImport(stream, questionnaire, progress)


__all__ = ["ExportImport", "Progress", "read_export"]
