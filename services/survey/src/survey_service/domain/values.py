"""Cell values of 问卷星/腾讯问卷 exports: missing markers, fill-in text, joined choices,
durations and timestamps."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from enum import StrEnum


class Missing(StrEnum):
    EMPTY = "empty"  # blank cell or 问卷星 `(空)`
    SKIPPED = "skipped"  # `(跳过)` / code -2: hidden by the questionnaire's logic
    NOT_SHOWN = "not_shown"  # code -3: not shown / no answer needed
    INVALID = "invalid"  # a value the question does not allow (reported as a problem)


_MISSING: dict[str, Missing] = {
    "": Missing.EMPTY,
    "(空)": Missing.EMPTY,
    "（空）": Missing.EMPTY,
    "(跳过)": Missing.SKIPPED,
    "（跳过）": Missing.SKIPPED,
    "-2": Missing.SKIPPED,
    "-3": Missing.NOT_SHOWN,
    "(未显示)": Missing.NOT_SHOWN,
    "（未显示）": Missing.NOT_SHOWN,
    "-2.0": Missing.SKIPPED,
    "-3.0": Missing.NOT_SHOWN,
}


def missing(cell: str) -> Missing | None:
    """The kind of missing answer a (stripped) cell stands for, or None for a real answer."""
    return _MISSING.get(cell)


MULTI_SEP = "┋"  # U+250B, 问卷星 text downloads join multi-choice labels with it
RANK_SEP = "→"

# `其他〖在家附近实习〗`: an option with its fill-in text (full-width 〖〗).
_FILL_RE = re.compile(r"^(?P<label>.*?)\s*〖(?P<text>.*)〗\s*$", re.S)


def split_fill(cell: str) -> tuple[str, str | None]:
    """Split `label〖text〗` into (label, text); text None when there is no fill-in."""
    if "〖" not in cell:
        return cell, None
    m = _FILL_RE.match(cell)
    if m is None:
        return cell, None
    text = m.group("text").strip()
    return m.group("label").strip(), text or None


_SPLITTERS: dict[str, re.Pattern[str]] = {}


def split_joined(cell: str, sep: str) -> list[str]:
    """Split a joined multi-choice/ranking cell, keeping 〖…〗 fill-ins intact even when the
    respondent typed the separator inside them."""
    if "〖" not in cell:
        return [p.strip() for p in cell.split(sep) if p.strip()]
    rx = _SPLITTERS.get(sep)
    if rx is None:
        # a separator not followed by a closing 〗 before the next opening 〖 is outside one
        rx = _SPLITTERS[sep] = re.compile(re.escape(sep) + r"(?![^〖〗]*〗)")
    return [p.strip() for p in rx.split(cell) if p.strip()]


_FILLS_RE = re.compile(r"〖([^〖〗]*)〗")


def strip_fills(cell: str) -> tuple[str, str | None]:
    """`读书┋其他〖爬山〗` → (`读书┋其他〖〗`, `爬山`): the cell's shape, and its fill-in text."""
    texts = [t.strip() for t in _FILLS_RE.findall(cell) if t.strip()]
    return _FILLS_RE.sub("〖〗", cell), ("；".join(texts) or None)


_INT_RE = re.compile(r"^[+-]?\d+(?:\.0+)?$")


def as_int(cell: str) -> int | None:
    """`3`, `3.0` (xlsx numbers) → 3; anything else → None."""
    if _INT_RE.match(cell):
        return int(float(cell))
    return None


def as_number(cell: str) -> float | None:
    try:
        value = float(cell)
    except ValueError:
        return None
    return value if value == value else None  # NaN is no number here


_DURATION_RES = (
    (re.compile(r"^(\d+(?:\.\d+)?)\s*秒?$"), lambda m: float(m.group(1))),
    (
        re.compile(r"^(\d+)\s*分(?:钟)?\s*(?:(\d+)\s*秒)?$"),
        lambda m: int(m.group(1)) * 60 + int(m.group(2) or 0),
    ),
    (
        re.compile(r"^(?:(\d+)\s*小?时\s*)?(\d+)\s*分(?:钟)?\s*(\d+)\s*秒$"),
        lambda m: int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + int(m.group(3)),
    ),
    (
        re.compile(r"^(\d+):(\d{1,2}):(\d{1,2})$"),
        lambda m: int(m.group(1)) * 3600 + int(m.group(2)) * 60 + int(m.group(3)),
    ),
    (re.compile(r"^(\d{1,2}):(\d{1,2})$"), lambda m: int(m.group(1)) * 60 + int(m.group(2))),
)


def parse_duration(cell: str) -> float | None:
    """`215秒`, `215`, `3分35秒`, `00:03:35` → seconds."""
    text = cell.strip()
    for rx, conv in _DURATION_RES:
        m = rx.match(text)
        if m:
            return float(conv(m))
    return None


_TIME_FORMATS = (
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d %H:%M",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y/%m/%d",
    "%Y-%m-%d",
)
_EXCEL_EPOCH = datetime(1899, 12, 30)


_FAST_TIME_RE = re.compile(r"^(\d{4})[/-](\d{1,2})[/-](\d{1,2})[ T](\d{1,2}):(\d{2}):(\d{2})$")


def parse_time(cell: str) -> datetime | None:
    """Timestamps as the vendors write them, or an Excel serial day number (an xlsx date cell
    read without its style)."""
    text = cell.strip()
    if not text:
        return None
    m = _FAST_TIME_RE.match(text)  # the common shapes, without strptime's overhead
    if m is not None:
        try:
            y, mo, d, h, mi, sec = map(int, m.groups())
            return datetime(y, mo, d, h, mi, sec)
        except ValueError:
            return None
    if text[0].isdigit() and len(text) >= 8 and not text.replace(".", "").isdigit():
        for fmt in _TIME_FORMATS:
            try:
                return datetime.strptime(text, fmt)
            except ValueError:
                continue
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            return None
    serial = as_number(text)
    if serial is not None and 20000 < serial < 80000:  # 1954 … 2119
        return _EXCEL_EPOCH + timedelta(seconds=round(serial * 86400))
    return None
