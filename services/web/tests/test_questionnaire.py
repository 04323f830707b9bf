"""The questionnaire form: posted fields → survey's answers, skip logic, an error per question;
the analysis as tables and charts; what a certificate says."""

from __future__ import annotations

from datetime import date
from typing import Any

from fanxiang_web.domain import certificate, survey_charts
from fanxiang_web.domain.questionnaire import parse, show_if_attr, shown

QUESTIONS: list[dict[str, Any]] = [
    {"number": 1, "kind": "single", "title": "性别", "options": ["男", "女"]},
    {
        "number": 2,
        "kind": "single",
        "title": "岗位类型",
        "options": ["政务实践", "未参加岗位实践"],
    },
    {
        "number": 3,
        "kind": "scale",
        "title": "满意度",
        "options": [{"label": "满意", "value": 2}, {"label": "不满意", "value": 1}],
        "show_if": {"question": 2, "none_of": ["未参加岗位实践"]},
    },
    {
        "number": 4,
        "kind": "multi",
        "title": "收获",
        "max_choices": 2,
        "options": ["能力", "人脉", {"label": "其他", "open": True}],
    },
    {
        "number": 5,
        "kind": "matrix",
        "title": "评价",
        "rows": ["指导", "环境"],
        "options": ["好", "差"],
    },
    {"number": 6, "kind": "ranking", "title": "看重", "options": ["薪资", "城市", "发展"]},
    {"number": 7, "kind": "text", "title": "建议"},
]


def full(**changes: list[str]) -> dict[str, list[str]]:
    form = {
        "q1": ["女"],
        "q2": ["政务实践"],
        "q3": ["满意"],
        "q4": ["能力", "其他"],
        "q4.other": ["写作"],
        "q5.r0": ["好"],
        "q5.r1": ["差"],
        "q6.o0": ["2"],
        "q6.o2": ["1"],
        "q7": ["  多些岗位 "],
    }
    form.update(changes)
    return form


def test_a_complete_form_becomes_surveys_answers() -> None:
    parsed = parse(QUESTIONS, full())
    assert parsed.errors == {}
    assert parsed.answers == {
        "1": "女",
        "2": "政务实践",
        "3": "满意",
        "4": ["能力", {"label": "其他", "other": "写作"}],
        "5": {"指导": "好", "环境": "差"},
        "6": ["发展", "薪资"],
        "7": "多些岗位",
    }


def test_skip_logic_drops_the_hidden_question_whatever_was_posted() -> None:
    parsed = parse(QUESTIONS, full(q2=["未参加岗位实践"], q3=["满意"]))
    assert parsed.errors == {} and "3" not in parsed.answers
    # Shown, it must be answered.
    assert parse(QUESTIONS, full(q3=[])).errors == {3: "请回答这一题"}


def test_each_kind_names_its_problem() -> None:
    errors = parse(
        QUESTIONS,
        full(q1=["未知"], q4=["能力", "人脉", "其他"], q5=[], **{"q5.r1": [""], "q6.o1": ["2"]}),
    ).errors
    assert errors == {
        1: "请从列表中选择",
        4: "最多选 {n} 项",
        5: "请为每一行选择",
        6: "排序要从 1 开始连续，不能重复",
    }
    assert parse(QUESTIONS, full(**{"q4.other": [""]})).errors == {4: "请填写“其他”的具体内容"}
    assert parse(QUESTIONS, full(**{"q6.o0": ["x"]})).errors == {
        6: "排序请填 1 到选项个数之间的整数"
    }
    assert parse(QUESTIONS, full(**{"q6.o0": [""], "q6.o2": [""]})).errors == {6: "请至少排一项"}
    assert parse(QUESTIONS, full(q4=[])).errors == {4: "请至少选择一项"}
    assert parse(QUESTIONS, full(q7=["长" * 2001])).errors == {7: "太长了"}
    # Text is optional; the open option's text only goes with the open option.
    assert "7" not in parse(QUESTIONS, full(q7=[""])).answers
    assert parse(QUESTIONS, full(q4=["能力"])).answers["4"] == ["能力"]


def test_nothing_answered_is_an_error_not_an_empty_response() -> None:
    assert parse([QUESTIONS[-1]], {}).errors == {7: "请回答这一题"}


def test_show_if_for_the_page_script() -> None:
    assert show_if_attr(QUESTIONS[2]) == {
        "question": 2,
        "any_of": [],
        "none_of": ["未参加岗位实践"],
    }
    assert show_if_attr(QUESTIONS[0]) is None
    rule = {"show_if": {"question": 1, "any_of": ["女"]}}
    assert shown(rule, {1: ["女"]}) and not shown(rule, {1: ["男"]}) and not shown(rule, {})


def test_analysis_questions_as_tables_and_charts() -> None:
    single = survey_charts.question_view(
        {
            "number": 1,
            "title": "性别",
            "kind": "single",
            "counts": {"男": 3, "女": 5},
            "percentages": {"男": 37.5, "女": 62.5},
            "answered": 8,
        },
        lambda s, **_: s,
    )
    assert [(r["label"], r["count"], r["share"]) for r in single["rows"]] == [
        ("男", 3, 37.5),
        ("女", 5, 62.5),
    ]
    assert single["chart"]["series"][0]["data"] == [5, 3]  # drawn bottom-up
    matrix = survey_charts.question_view(
        {
            "number": 9,
            "title": "评价",
            "kind": "matrix",
            "counts": {"指导": {"好": 4, "差": 1}, "环境": {"好": 2, "差": 3}},
            "rows": {"指导": {"mean": 4.2}},
        },
        lambda s, **_: s,
    )
    assert matrix["matrix"]["options"] == ["好", "差"]
    assert [r["counts"] for r in matrix["matrix"]["rows"]] == [[4, 1], [2, 3]]
    assert matrix["matrix"]["rows"][0]["mean"] == 4.2
    assert [s["data"] for s in matrix["chart"]["series"]] == [[2, 4], [3, 1]]
    text = survey_charts.question_view(
        {
            "number": 17,
            "kind": "text",
            "counts": {},
            "keywords": [{"word": "岗位", "weight": 1.0, "answers": 9}],
            "themes": [{"theme": "补贴", "count": 6, "quotes": ["希望增加补贴"]}],
        },
        lambda s, **_: s,
    )
    assert text["keywords"] == ["岗位"] and text["themes"][0]["quotes"] == ["希望增加补贴"]


def test_a_certificate_says_who_where_and_when() -> None:
    placement = {
        "placement_id": "PL-1",
        "status": "completed",
        "student_name": "赵一",
        "university": "山西大学",
        "unit_name": "城区政府办",
        "post_title": "政务服务窗口助理",
        "on_post_at": "2026-07-06T01:00:00+00:00",
        "completed_at": "2026-08-20T16:30:00+00:00",  # 00:30 on the 21st in Beijing
    }
    cert = certificate.of(placement, {"starts_on": "2026-07-01", "ends_on": "2026-08-14"})
    assert (cert.name, cert.unit, cert.post) == ("赵一", "城区政府办", "政务服务窗口助理")
    assert (cert.start, cert.end) == (date(2026, 7, 6), date(2026, 8, 21))
    # Without arrival recorded, the post's dates stand in.
    bare = certificate.of({**placement, "on_post_at": None}, {"starts_on": "2026-07-01"})
    assert bare.start == date(2026, 7, 1)
    assert certificate.issuable(placement)
    assert not certificate.issuable({**placement, "status": "on_post"})
