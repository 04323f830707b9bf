"""Reading export column headers: which question a column belongs to, and which columns are
metadata (and which of those are personal data to drop at once).

Header styles seen in the wild (see docs/survey.md): 问卷星 `1、题干`, `1：题干`, `8、(选项)`,
`第8题(选项)`; 腾讯问卷 `1.题干`, `1.题干:选项`, `1.题干_填空1`; generic `Q1`, `Q1.题干`,
`第1题 题干`. A trailing type hint like `[多选题]` is kept as a hint for inference.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum


class Meta(StrEnum):
    ID = "id"
    SUBMITTED_AT = "submitted_at"
    STARTED_AT = "started_at"
    DURATION = "duration"
    SOURCE = "source"
    SOURCE_DETAIL = "source_detail"
    SCORE = "score"
    OTHER = "other"  # recognised metadata the analysis does not use (地理位置省, 语言 …)
    SENSITIVE = "sensitive"  # personal data: dropped at import, never stored or shown (PIPL)


_META: dict[str, Meta] = {}
for _kind, _names in {
    Meta.ID: "序号 编号 答卷编号 答卷序号 答卷id 回答id 答题序号 id",
    Meta.SUBMITTED_AT: "提交答卷时间 提交时间 答卷提交时间 结束答题时间 答题结束时间 结束时间 完成时间",
    Meta.STARTED_AT: "开始答题时间 开始时间 答题开始时间",
    Meta.DURATION: "所用时间 答题时长 作答时长 用时 答题用时 填写时长",
    Meta.SOURCE: "来源 来源渠道 渠道 提交方式",
    Meta.SOURCE_DETAIL: "来源详情 referrer 来源网址",
    Meta.SCORE: "总分 得分 测评得分",
    Meta.OTHER: (
        "地理位置国家和地区 地理位置省 地理位置市 地理位置 国家和地区 省份 城市 自定义字段 "
        "语言 清洗数据结果 智能清洗数据无效概率 中奖时间 中奖金额 审核状态 用户类型 标签 备注"
    ),
    Meta.SENSITIVE: (
        "来自ip ip ip地址 ip来源 用户标识 用户id 用户名 昵称 微信昵称 微信用户名 微信openid "
        "openid unionid 微信性别 微信地区 微信头像 ua useragent user-agent 设备信息 手机号码 "
        "填写人 答题人 姓名(自动获取)"
    ),
}.items():
    for _n in _names.split():
        _META[_n] = _kind


def normalise(text: str) -> str:
    """NFKC (full-width → half-width), no spaces, lower case: the key headers are matched on."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


def classify_meta(header: str) -> Meta | None:
    key = normalise(header)
    if key in _META:
        return _META[key]
    # Prefix forms that vendors vary: `来自IP地址`, `微信昵称(授权)` …
    if re.match(r"^(来自ip|ip地址|微信(昵称|openid|性别|地区|头像)|用户(标识|id))", key):
        return Meta.SENSITIVE
    return None


# Type hints some exports append: `1、您的爱好[多选题]`, `3.您的年级【单选题】`.
_HINT_RE = re.compile(
    r"\s*[\[【(（]\s*(单选题|多选题|矩阵单选题|矩阵量表题|量表题|排序题|填空题|"
    r"多项填空题|简答题|矩阵题|NPS量表题|单选|多选|排序|填空|量表)\s*[\]】)）]\s*$"
)
_HINTS = {
    "单选题": "single",
    "单选": "single",
    "多选题": "multi",
    "多选": "multi",
    "矩阵单选题": "matrix",
    "矩阵量表题": "matrix",
    "矩阵题": "matrix",
    "量表题": "scale",
    "量表": "scale",
    "NPS量表题": "scale",
    "排序题": "ranking",
    "排序": "ranking",
    "填空题": "text",
    "多项填空题": "text",
    "简答题": "text",
    "填空": "text",
}

_NUM_RE = re.compile(
    r"^\s*(?:第\s*(?P<a>\d{1,4})\s*题|[Qq]\s*(?P<b>\d{1,4})|(?P<c>\d{1,4}))"
    r"(?P<sep>\s*[、.．:：_)）]|\s+|(?=[(（]))?\s*(?P<rest>.*)$",
    re.S,
)
_PAREN_RE = re.compile(r"^[(（](?P<sub>.*)[)）]$", re.S)
_BLANK_RE = re.compile(r"^(?P<title>.*?)[_:：]?(?P<sub>填空\d+)$", re.S)


@dataclass(frozen=True, slots=True)
class Header:
    """A question column's header, split into question number, title and sub-label.

    `sub` is the option (split multi-choice / ranking), the row (matrix) or the blank (填空N)
    a column stands for; None for a question's only column.
    """

    number: int
    title: str
    sub: str | None
    hint: str | None
    raw: str


def parse_header(raw: str) -> Header | None:
    """Parse a question column header, or None when it names no question number."""
    text = raw.strip().replace("\ufeff", "")
    m = _NUM_RE.match(text)
    if m is None:
        return None
    number = int(m.group("a") or m.group("b") or m.group("c"))
    rest = m.group("rest").strip()
    sep = m.group("sep")
    # A bare number such as a year column `2024` is no question; a number needs a separator,
    # a title, or the Q/第N题 forms.
    if m.group("c") and not sep and not rest:
        return None
    if m.group("c") and sep is None:
        return None
    hint = None
    hm = _HINT_RE.search(rest)
    if hm:
        hint = _HINTS[hm.group(1)]
        rest = rest[: hm.start()].strip()
    sub: str | None = None
    pm = _PAREN_RE.match(rest)
    if pm and _balanced(pm.group("sub")):
        sub, rest = pm.group("sub").strip(), ""
    else:
        bm = _BLANK_RE.match(rest)
        if bm:
            sub, rest = bm.group("sub"), bm.group("title").strip().rstrip(":：_").strip()
    return Header(number=number, title=rest, sub=sub, hint=hint, raw=raw)


def _balanced(s: str) -> bool:
    depth = 0
    for ch in s:
        if ch in "(（":
            depth += 1
        elif ch in ")）":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def split_common_title(titles: list[str]) -> tuple[str, list[str]] | None:
    """腾讯问卷 splits a question into `N.题干:选项` columns: find the shared `题干:` prefix.

    Returns (title, subs) when every title is `<common>:<sub>`; None otherwise.
    """
    if len(titles) < 2:
        return None
    prefix = titles[0]
    for t in titles[1:]:
        i = 0
        while i < min(len(prefix), len(t)) and prefix[i] == t[i]:
            i += 1
        prefix = prefix[:i]
    cut = max(prefix.rfind(":"), prefix.rfind("："))
    if cut < 0:
        return None
    subs = [t[cut + 1 :].strip() for t in titles]
    if any(not s for s in subs):
        return None
    return prefix[:cut].strip(), subs
