"""Map an export's header row to metadata columns and per-question column groups."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from survey_service.domain.headers import Meta, classify_meta, parse_header, split_common_title


@dataclass(slots=True)
class ColumnGroup:
    """The columns one question occupies. `subs[i]` is None for a question's only column,
    else the option / matrix row / blank that column `cols[i]` stands for."""

    number: int
    title: str
    hint: str | None
    cols: list[int] = field(default_factory=list)
    subs: list[str | None] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)

    @property
    def split(self) -> bool:
        return any(s is not None for s in self.subs)


@dataclass(slots=True)
class HeaderMap:
    meta: dict[Meta, int]  # first column of each usable metadata kind
    sensitive: list[int]  # personal data columns: never read past the header
    groups: list[ColumnGroup]  # in question-number order
    ignored: list[int]  # neither metadata nor a question: reported, not read
    other_meta: list[int]
    vendor: str


_SEP_RE = re.compile(r"^\d+([、.])")
_WJX_META = {"序号", "提交答卷时间", "所用时间", "来源详情", "来自IP", "来源"}
_TENCENT_META = {
    "编号",
    "开始答题时间",
    "结束答题时间",
    "答题时长",
    "地理位置国家和地区",
    "用户标识",
    "自定义字段",
}


def map_header(header: list[str]) -> HeaderMap:
    meta: dict[Meta, int] = {}
    sensitive: list[int] = []
    ignored: list[int] = []
    other_meta: list[int] = []
    by_number: dict[int, ColumnGroup] = {}
    seps = {"、": 0, ".": 0}
    for i, raw in enumerate(header):
        text = raw.strip().lstrip("\ufeff")
        if not text:
            ignored.append(i)
            continue
        kind = classify_meta(text)
        if kind is Meta.SENSITIVE:
            sensitive.append(i)
            continue
        if kind is Meta.OTHER:
            other_meta.append(i)
            continue
        if kind is not None:
            if kind in meta:
                other_meta.append(i)
            else:
                meta[kind] = i
            continue
        h = parse_header(text)
        if h is None:
            ignored.append(i)
            continue
        sep = _SEP_RE.match(text)
        if sep:
            seps[sep.group(1)] += 1
        group = by_number.get(h.number)
        if group is None:
            group = by_number[h.number] = ColumnGroup(h.number, h.title, h.hint)
        elif not group.title and h.title:
            group.title = h.title
        group.hint = group.hint or h.hint
        group.cols.append(i)
        group.subs.append(h.sub)
        group.headers.append(text)
    groups = [by_number[n] for n in sorted(by_number)]
    for g in groups:
        _split_tencent(g, header)
    names = {header[i].strip() for i in range(len(header))}
    wjx = len(names & _WJX_META) + seps["、"]
    tencent = len(names & _TENCENT_META) + seps["."]
    vendor = "wjx" if wjx > tencent else "tencent" if tencent > wjx else "unknown"
    return HeaderMap(meta, sensitive, groups, ignored, other_meta, vendor)


def _split_tencent(group: ColumnGroup, header: list[str]) -> None:
    """`N.题干:选项` columns: several sub-less columns of one number sharing a `题干:` prefix."""
    if len(group.cols) < 2 or any(s is not None for s in group.subs):
        return
    titles = []
    for i in group.cols:
        h = parse_header(header[i].strip())
        titles.append(h.title if h else "")
    found = split_common_title(titles)
    if found is not None:
        group.title, subs = found
        group.subs = list(subs)
