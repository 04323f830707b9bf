"""Header mapping: question numbers, sub-labels, metadata and personal-data columns."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from survey_service.domain.columns import map_header
from survey_service.domain.headers import Meta, classify_meta, parse_header, split_common_title


@pytest.mark.parametrize(
    ("raw", "number", "title", "sub"),
    [
        ("1、您的年级", 1, "您的年级", None),
        ("12：您的年级", 12, "您的年级", None),
        ("3:您的年级", 3, "您的年级", None),
        ("Q1", 1, "", None),
        ("Q7.您的年级", 7, "您的年级", None),
        ("q2 您的年级", 2, "您的年级", None),
        ("第1题", 1, "", None),
        ("第9题(岗位与专业匹配度)", 9, "", "岗位与专业匹配度"),
        ("8、(性能（CPU）)", 8, "", "性能（CPU）"),
        ("3(学习环境)", 3, "", "学习环境"),
        ("3（学习环境）", 3, "", "学习环境"),
        ("25、(其他（请补充）:)", 25, "", "其他（请补充）:"),
        ("10.通过本次实践:了解家乡发展", 10, "通过本次实践:了解家乡发展", None),
        ("3.你来自于：_填空1", 3, "你来自于", "填空1"),
        ("4、您的兴趣[多选题]", 4, "您的兴趣", None),
    ],
)
def test_parse_header(raw: str, number: int, title: str, sub: str | None) -> None:
    h = parse_header(raw)
    assert h is not None
    assert (h.number, h.title, h.sub) == (number, title, sub)


def test_type_hint_is_kept() -> None:
    h = parse_header("4、您的兴趣【多选题】")
    assert h is not None and h.hint == "multi"


@pytest.mark.parametrize("raw", ["序号", "2024", "备注", "", "姓名"])
def test_not_a_question(raw: str) -> None:
    assert parse_header(raw) is None


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("序号", Meta.ID),
        ("编号", Meta.ID),
        ("提交答卷时间", Meta.SUBMITTED_AT),
        ("结束答题时间", Meta.SUBMITTED_AT),
        ("开始答题时间", Meta.STARTED_AT),
        ("所用时间", Meta.DURATION),
        ("答题时长", Meta.DURATION),
        ("来源", Meta.SOURCE),
        ("来源详情", Meta.SOURCE_DETAIL),
        ("总分", Meta.SCORE),
        ("地理位置省", Meta.OTHER),
        ("来自IP", Meta.SENSITIVE),
        ("IP", Meta.SENSITIVE),
        ("用户标识", Meta.SENSITIVE),
        ("昵称", Meta.SENSITIVE),
        ("微信昵称", Meta.SENSITIVE),
        ("用户ID", Meta.SENSITIVE),
        ("UA", Meta.SENSITIVE),
        (" 来自ＩＰ ", Meta.SENSITIVE),
        ("1、您的年级", None),
    ],
)
def test_classify_meta(raw: str, kind: Meta | None) -> None:
    assert classify_meta(raw) is kind


def test_common_title_split() -> None:
    assert split_common_title(["题目:甲", "题目:乙"]) == ("题目", ["甲", "乙"])
    assert split_common_title(["a:b:甲", "a:b:乙"]) == ("a:b", ["甲", "乙"])
    assert split_common_title(["题目:男性", "题目:男孩"]) == ("题目", ["男性", "男孩"])
    assert split_common_title(["题目甲", "题目乙"]) is None


def test_map_header_groups_wjx_code_download() -> None:
    header = [
        "序号",
        "提交答卷时间",
        "所用时间",
        "来源",
        "来源详情",
        "来自IP",
        "1、您的性别",
        "2、(读书)",
        "2、(运动)",
        "3、(食堂)",
        "3、(宿舍)",
        "奇怪的列",
    ]
    m = map_header(header)
    assert m.vendor == "wjx"
    assert m.sensitive == [5]
    assert m.meta[Meta.ID] == 0 and m.meta[Meta.DURATION] == 2
    assert [(g.number, g.cols, g.subs) for g in m.groups] == [
        (1, [6], [None]),
        (2, [7, 8], ["读书", "运动"]),
        (3, [9, 10], ["食堂", "宿舍"]),
    ]
    assert m.ignored == [11]


def test_map_header_splits_tencent_columns() -> None:
    header = [
        "编号",
        "开始答题时间",
        "结束答题时间",
        "答题时长",
        "用户标识",
        "昵称",
        "IP",
        "1.您的兴趣:读书",
        "1.您的兴趣:运动",
        "2.您来自_填空1",
        "2.您来自_填空2",
    ]
    m = map_header(header)
    assert m.vendor == "tencent"
    assert m.sensitive == [4, 5, 6]
    g1, g2 = m.groups
    assert (g1.title, g1.subs) == ("您的兴趣", ["读书", "运动"])
    assert (g2.title, g2.subs) == ("您来自", ["填空1", "填空2"])


@given(
    st.integers(1, 999),
    st.text(st.characters(categories=["Lo"]), min_size=1, max_size=30),
    st.sampled_from(["、", ".", "：", ":"]),
)
def test_any_numbered_title_round_trips(number: int, title: str, sep: str) -> None:
    h = parse_header(f"{number}{sep}{title}")
    assert h is not None and (h.number, h.title, h.sub) == (number, title, None)
