"""Seeded generator of realistic 问卷星 / 腾讯问卷 export files, with messy rows, that returns the
ground truth: how many rows are responses, blank, duplicated or broken, and the per-question
counts an analysis must find. Used by the tests, the benchmark and the demo season.

    truth = generate_export(path, responses=198, seed=4, vendor="wjx", mode="text",
                            fmt="csv", encoding="gb18030")
"""

from __future__ import annotations

import csv
import random
from bisect import bisect
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any

from survey_service.domain.catalog import season_questionnaire
from survey_service.domain.model import Question, QuestionKind, Questionnaire

Cell = str | int | float | datetime

_SUGGESTIONS = (
    "希望多提供一些和专业对口的实践岗位",
    "建议增加实践补贴，交通费用有点高",
    "希望团市委加强宣传，很多同学不知道这个活动",
    "岗前培训可以再详细一些，带教老师很负责",
    "希望多组织返乡联谊活动，认识更多家乡青年",
    "希望推送更多阳泉的招聘信息和人才政策",
    "实践单位离家太远，希望就近安排岗位",
    "安全保障要加强，建议统一购买保险",
    "公众号推送很及时，点赞",
    "希望能有创业方面的指导和扶持",
    "人才公寓的政策希望讲得更清楚",
    "活动很有意义，明年还会参加",
    "通勤不太方便，希望有交通补贴",
    "建议延长实践时间，一个月太短",
)
_OTHER_TEXTS = ("在家附近实习", "参加志愿服务", "认识了好朋友", "家里有事", "考研准备", "学校要求")
# (vendor, mode, fmt, encoding): every layout an import must read.
LAYOUTS: tuple[tuple[str, str, str, str], ...] = (
    ("wjx", "text", "xlsx", "utf-8-sig"),
    ("wjx", "code", "xlsx", "utf-8-sig"),
    ("wjx", "text", "csv", "utf-8-sig"),
    ("wjx", "text", "csv", "utf-8"),
    ("wjx", "code", "csv", "gbk"),
    ("wjx", "text", "csv", "gb18030"),
    ("tencent", "text", "csv", "utf-8-sig"),
    ("tencent", "text", "xlsx", "utf-8-sig"),
)


def layout_name(layout: tuple[str, str, str, str]) -> str:
    return "-".join(layout)


_SOURCES = ("手机提交", "微信", "链接", "电脑提交")
_CITIES = ("阳泉", "太原", "北京", "天津", "上海", "西安")


@dataclass
class ExportTruth:
    """What a correct import and analysis of the generated file must find."""

    path: Path
    vendor: str
    mode: str
    fmt: str
    encoding: str | None
    data_rows: int = 0  # rows after the header: responses + rejected + blank
    responses: int = 0
    rejected: int = 0
    blank: int = 0
    duplicates: int = 0  # exact copies of an earlier row (same answer id and time)
    broken: int = 0
    invalid_values: int = 0  # cells holding a label the questionnaire does not have
    speeders: int = 0  # responses answered in under 60 s
    counts: dict[int, dict[str, Any]] = field(default_factory=dict)  # contract-shaped
    answered: Counter[int] = field(default_factory=Counter)
    other_texts: Counter[int] = field(default_factory=Counter)


class _Spec:
    """Per-question facts the generator needs for every row, computed once."""

    def __init__(self, x: Question, rng: random.Random) -> None:
        self.x = x
        self.labels = x.labels
        self.index = {lb: i + 1 for i, lb in enumerate(self.labels)}
        self.open = frozenset(o.label for o in x.options if o.open)
        w = [0.3 + rng.random() for _ in range(max(1, len(x.options)))]
        # Scored questions lean towards their top or bottom option with the respondent's
        # mood, so that satisfaction and intent correlate a little (cross-tabs show it).
        if x.is_scored:
            vals = [o.value or 0.0 for o in x.options]
            top = max(vals)
            up = [wi * (1.6 if v == top else 1.0) for wi, v in zip(w, vals, strict=True)]
            down = [wi * (1.0 if v == top else 1.6) for wi, v in zip(w, vals, strict=True)]
        else:
            up = down = w
        self.cum_up = list(accumulate(up))
        self.cum_down = list(accumulate(down))


class _Respondent:
    """Draws one respondent's answers as labels (vendor-neutral)."""

    def __init__(self, q: Questionnaire, rng: random.Random) -> None:
        self.q = q
        self.rng = rng
        self.specs = [_Spec(x, rng) for x in q.questions]

    def draw(self) -> dict[int, Any]:
        rng = self.rng
        out: dict[int, Any] = {}
        mood = rng.gauss(0, 1)
        for sp in self.specs:
            x = sp.x
            if x.show_if is not None:
                ctl = out.get(x.show_if.question)
                labels = (
                    ctl[0] if isinstance(ctl, tuple) and ctl and isinstance(ctl[0], tuple) else None
                )
                if not x.show_if.shown(labels):
                    out[x.number] = None  # hidden by logic
                    continue
            out[x.number] = self._one(sp, mood)
        return out

    def _pick(self, sp: _Spec, mood: float) -> str:
        cum = sp.cum_up if mood > 0 else sp.cum_down
        return sp.labels[bisect(cum, self.rng.random() * cum[-1])]

    def _fill(self, sp: _Spec, labels: tuple[str, ...]) -> str | None:
        if sp.open and any(lb in sp.open for lb in labels) and self.rng.random() < 0.7:
            return self.rng.choice(_OTHER_TEXTS)
        return None

    def _one(self, sp: _Spec, mood: float) -> Any:
        rng = self.rng
        x = sp.x
        kind = x.kind
        if kind is QuestionKind.SINGLE or kind is QuestionKind.SCALE:
            one: tuple[str, ...] = (self._pick(sp, mood),)
            return (one, self._fill(sp, one))
        if kind is QuestionKind.MULTI:
            k = rng.randint(1, min(x.max_choices or 4, len(sp.labels)))
            idx = sorted(rng.sample(range(len(sp.labels)), k))
            labels = tuple(sp.labels[i] for i in idx)
            return (labels, self._fill(sp, labels))
        if kind is QuestionKind.RANKING:
            k = rng.randint(2, len(sp.labels))
            return (tuple(rng.sample(list(sp.labels), k)), None)
        if kind is QuestionKind.MATRIX:
            return {r: self._pick(sp, mood) for r in x.rows}
        # text
        if rng.random() < 0.45:
            if x.blanks:
                return [rng.choice(_CITIES) for _ in x.blanks]
            return rng.choice(_SUGGESTIONS)
        return ""


def _header_wjx(x: Question, mode: str) -> list[str]:
    n = x.number
    if x.kind is QuestionKind.MATRIX:
        return [f"{n}、({r})" for r in x.rows]
    if mode == "code" and x.kind in (QuestionKind.MULTI, QuestionKind.RANKING):
        return [
            f"{n}、({o.label}（请补充）:)" if o.open else f"{n}、({o.label})" for o in x.options
        ]
    if x.kind is QuestionKind.TEXT and x.blanks:
        return [f"{n}、({b})" for b in x.blanks]
    return [f"{n}、{x.title}"]


def _header_tencent(x: Question) -> list[str]:
    n = x.number
    if x.kind is QuestionKind.MATRIX:
        return [f"{n}.{x.title}:{r}" for r in x.rows]
    if x.kind in (QuestionKind.MULTI, QuestionKind.RANKING):
        return [f"{n}.{x.title}:{o.label}" for o in x.options]
    if x.kind is QuestionKind.TEXT and x.blanks:
        return [f"{n}.{x.title}_{b}" for b in x.blanks]
    return [f"{n}.{x.title}"]


def _code(x: Question, label: str) -> int:
    """The number a code download writes: the 1-based option index, except that an option
    labelled with a number (0–10 scales) is written as that number."""
    return int(label) if label.isdigit() else x.labels.index(label) + 1


def _cells_wjx(x: Question, a: Any, mode: str, width: int) -> list[Cell]:
    code = mode == "code"
    if a is None:
        return [-2 if code else "(跳过)"] * width
    if x.kind is QuestionKind.TEXT:
        parts = a if isinstance(a, list) else [a] * width
        return [p or "(空)" for p in parts]
    if x.kind is QuestionKind.MATRIX:
        return [_code(x, a[r]) if code else a[r] for r in x.rows]
    labels, fill = a
    idx = {lb: i + 1 for i, lb in enumerate(x.labels)}
    tail = f"〖{fill}〗" if fill else ""
    if x.kind in (QuestionKind.SINGLE, QuestionKind.SCALE):
        lb = labels[0]
        if code:
            return [f"{_code(x, lb)}{tail}" if tail else _code(x, lb)]
        return [lb + tail if fill and x.options[idx[lb] - 1].open else lb]
    if x.kind is QuestionKind.MULTI:
        if code:
            return [
                (f"1{tail}" if (o.open and tail) else 1) if o.label in labels else 0
                for o in x.options
            ]
        return ["┋".join(lb + (tail if x.options[idx[lb] - 1].open else "") for lb in labels)]
    # ranking
    if code:
        return [labels.index(o.label) + 1 if o.label in labels else "" for o in x.options]
    return ["→".join(labels)]


def _cells_tencent(x: Question, a: Any, width: int) -> list[Cell]:
    if a is None:
        return [""] * width
    if x.kind is QuestionKind.TEXT:
        return list(a) if isinstance(a, list) else [a] * width
    if x.kind is QuestionKind.MATRIX:
        return [a[r] for r in x.rows]
    labels, fill = a
    if x.kind in (QuestionKind.SINGLE, QuestionKind.SCALE):
        return [labels[0]]
    if x.kind is QuestionKind.MULTI:
        return [
            (fill if (o.open and fill) else "1") if o.label in labels else "" for o in x.options
        ]
    return [labels.index(o.label) + 1 if o.label in labels else "" for o in x.options]


def _count(truth: ExportTruth, q: Questionnaire, answers: dict[int, Any], vendor: str) -> None:
    for x in q.questions:
        a = answers[x.number]
        c = truth.counts[x.number]
        if a is None or (
            x.kind is QuestionKind.TEXT and not any(a if isinstance(a, list) else [a])
        ):
            continue
        truth.answered[x.number] += 1
        if x.kind is QuestionKind.TEXT:
            continue
        if x.kind is QuestionKind.MATRIX:
            for r, lb in a.items():
                c[r][lb] += 1
            continue
        labels, fill = a
        for lb in labels:
            c[lb] += 1
        if fill and (vendor == "wjx" or x.kind is QuestionKind.MULTI):
            truth.other_texts[x.number] += 1


def generate_export(
    path: str | Path,
    *,
    responses: int = 198,
    seed: int = 0,
    vendor: str = "wjx",
    mode: str = "text",
    fmt: str = "xlsx",
    encoding: str = "utf-8-sig",
    questionnaire: Questionnaire | None = None,
    messy: bool = True,
    progress: Callable[[int], None] | None = None,
) -> ExportTruth:
    """Write an export of `responses` responses (plus messy rows when `messy`) and return its
    ground truth. vendor: "wjx" | "tencent"; mode (wjx only): "text" | "code"; fmt: "xlsx" |
    "csv"; encoding (csv only): "utf-8-sig" | "utf-8" | "gbk" | "gb18030"."""
    if (
        vendor not in ("wjx", "tencent")
        or mode not in ("text", "code")
        or fmt not in ("xlsx", "csv")
    ):
        raise ValueError("vendor must be wjx|tencent, mode text|code, fmt xlsx|csv")
    if vendor == "tencent":
        mode = "text"
    q = questionnaire or season_questionnaire()
    rng = random.Random(seed)
    p = Path(path)
    truth = ExportTruth(p, vendor, mode, fmt, encoding if fmt == "csv" else None)
    for x in q.questions:
        truth.counts[x.number] = (
            {r: Counter({lb: 0 for lb in x.labels}) for r in x.rows}
            if x.kind is QuestionKind.MATRIX
            else Counter({lb: 0 for lb in x.labels})
        )
    rows = _rows(q, rng, truth, responses, vendor, mode, fmt, messy, progress)
    header = _header(q, vendor, mode)
    if fmt == "csv":
        _write_csv(p, header, rows, encoding)
    else:
        _write_xlsx(p, header, rows, big=responses > 20_000)
    truth.counts = {
        n: (
            {r: dict(v) for r, v in c.items()}
            if isinstance(next(iter(c.values()), None), Counter)
            else dict(c)
        )
        for n, c in truth.counts.items()
    }
    return truth


def _header(q: Questionnaire, vendor: str, mode: str) -> list[str]:
    if vendor == "wjx":
        meta = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"]
        return meta + [h for x in q.questions for h in _header_wjx(x, mode)]
    meta = [
        "编号",
        "开始答题时间",
        "结束答题时间",
        "答题时长",
        "地理位置国家和地区",
        "地理位置省",
        "地理位置市",
        "用户类型",
        "用户标识",
        "昵称",
        "自定义字段",
        "IP",
    ]
    return meta + [h for x in q.questions for h in _header_tencent(x)]


_BLANK = object()
_BROKEN = object()


def _rows(
    q: Questionnaire,
    rng: random.Random,
    truth: ExportTruth,
    n: int,
    vendor: str,
    mode: str,
    fmt: str,
    messy: bool,
    progress: Callable[[int], None] | None,
) -> Iterator[list[Cell] | object]:
    who = _Respondent(q, rng)
    start = datetime(2026, 8, 20, 9, 0, 0)
    recent: list[list[Cell]] = []
    widths = [
        len(_header_wjx(x, mode) if vendor == "wjx" else _header_tencent(x)) for x in q.questions
    ]
    invalid_q = next(
        (x for x in q.questions if x.kind is QuestionKind.SINGLE and x.show_if is None), None
    )
    for i in range(1, n + 1):
        if progress is not None and i % 100_000 == 0:
            progress(i)
        if messy and rng.random() < 0.005:
            truth.blank += 1
            truth.data_rows += 1
            yield _BLANK
        if messy and recent and rng.random() < 0.005:
            truth.duplicates += 1
            truth.rejected += 1
            truth.data_rows += 1
            yield list(rng.choice(recent))
        if messy and (i == n // 2 or rng.random() < 0.002):
            truth.broken += 1
            truth.rejected += 1
            truth.data_rows += 1
            yield _BROKEN
        answers = who.draw()
        speeder = rng.random() < 0.03
        secs = rng.randint(12, 59) if speeder else int(rng.lognormvariate(5.3, 0.5)) + 60
        truth.speeders += speeder
        ended = start + timedelta(minutes=7 * i + rng.randint(0, 6), seconds=rng.randint(0, 59))
        bad = messy and invalid_q is not None and rng.random() < 0.003
        if vendor == "wjx":
            meta: list[Cell] = [
                i,
                ended.strftime("%Y/%m/%d %H:%M:%S"),
                f"{secs}秒",
                rng.choice(_SOURCES),
                "直接访问",
                f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.0.1(山西-阳泉)",
            ]
            cells = meta + [
                c
                for x, wd in zip(q.questions, widths, strict=True)
                for c in _cells_wjx(x, answers[x.number], mode, wd)
            ]
        else:
            began = ended - timedelta(seconds=secs)
            meta = [
                i,
                began if fmt == "xlsx" else began.strftime("%Y-%m-%d %H:%M:%S"),
                ended if fmt == "xlsx" else ended.strftime("%Y-%m-%d %H:%M:%S"),
                secs,
                "中国",
                "山西",
                "阳泉",
                "微信用户",
                f"oX{rng.getrandbits(40):x}",
                "小明",
                "",
                f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.7",
            ]
            cells = meta + [
                c
                for x, wd in zip(q.questions, widths, strict=True)
                for c in _cells_tencent(x, answers[x.number], wd)
            ]
        if bad and invalid_q is not None:
            # A label the questionnaire does not know: a warning, and the answer is not counted.
            col = len(meta) + sum(
                wd for x, wd in zip(q.questions, widths, strict=True) if x.number < invalid_q.number
            )
            cells[col] = "不知道" if mode == "text" else 99
            answers[invalid_q.number] = None
            truth.invalid_values += 1
        _count(truth, q, answers, vendor)
        truth.responses += 1
        truth.data_rows += 1
        if len(recent) < 50:
            recent.append(cells)
        elif rng.random() < 0.1:
            recent[rng.randrange(50)] = cells
        yield cells


def _write_csv(
    p: Path, header: list[str], rows: Iterator[list[Cell] | object], encoding: str
) -> None:
    with p.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(header)
        for row in rows:
            if row is _BLANK:
                fh.write("\r\n")
            elif row is _BROKEN:
                fh.write(",".join(["9999999", "2026/09/01 00:00:00", "300秒"]) + "\r\n")
            else:
                assert isinstance(row, list)
                w.writerow(row)


def _write_xlsx(p: Path, header: list[str], rows: Iterator[list[Cell] | object], big: bool) -> None:
    import xlsxwriter

    # constant_memory streams rows to disk (and writes inline strings, as some tools do);
    # small files use the shared-strings table like Excel and 问卷星 do.
    wb = xlsxwriter.Workbook(
        str(p),
        {
            "constant_memory": big,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    if big:
        wb.use_zip64()  # a million rows of sheet XML passes the 2 GiB ZIP limit
    ws = wb.add_worksheet("Sheet1")
    fmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    ws.write_row(0, 0, header)
    r = 1
    for row in rows:
        if row is _BLANK:
            ws.write_string(r, 0, " ")
        elif row is _BROKEN:
            ws.write_row(r, 0, ["#REF!", "", "", "数据损坏"])
        else:
            assert isinstance(row, list)
            for c, v in enumerate(row):
                if isinstance(v, datetime):
                    ws.write_datetime(r, c, v, fmt)
                elif isinstance(v, str):
                    if v:
                        ws.write_string(r, c, v)
                else:
                    ws.write_number(r, c, v)
        r += 1
    wb.close()
