"""Analysis results: percentages, scales, multi-select bases, cross-tab privacy, text."""

from __future__ import annotations

import json

from survey_service.domain import (
    Analyzer,
    Answer,
    Response,
    analyze_responses,
    build_result,
    compare_results,
    parse_questionnaire,
)
from survey_service.domain.analysis.textmine import TextAccumulator, mask_personal
from survey_service.domain.values import Missing

Q = parse_questionnaire(
    {
        "id": "t",
        "version": "1",
        "questions": [
            {"number": 1, "title": "年级", "kind": "single", "options": ["大一", "大二", "博士"]},
            {
                "number": 2,
                "title": "满意度",
                "kind": "scale",
                "options": [
                    {"label": lb, "value": i + 1}
                    for i, lb in enumerate(["很差", "差", "一般", "好", "很好"])
                ],
            },
            {"number": 3, "title": "兴趣", "kind": "multi", "options": ["读书", "运动", "音乐"]},
            {
                "number": 4,
                "title": "评价",
                "kind": "matrix",
                "rows": ["甲", "乙"],
                "options": [
                    {"label": "差", "value": 1},
                    {"label": "中", "value": 2},
                    {"label": "好", "value": 3},
                ],
            },
            {"number": 5, "title": "愿意回来吗", "kind": "single", "options": ["愿意", "不愿意"]},
            {"number": 6, "title": "建议", "kind": "text"},
        ],
        "analysis": {"crosstabs": [{"row": 5, "columns": [1]}]},
    }
)


def _resp(
    i: int,
    grade: str,
    sat: int,
    hobbies: tuple[str, ...],
    back: str,
    duration: float = 200,
    text: str | None = None,
) -> Response:
    labels = ["很差", "差", "一般", "好", "很好"]
    return Response(
        row=i + 2,
        fingerprint=str(i),
        duration=duration,
        content_key=i + 1,
        answers={
            1: Answer(labels=(grade,)),
            2: Answer(labels=(labels[sat - 1],), value=float(sat)),
            3: Answer(labels=hobbies) if hobbies else Answer(Missing.EMPTY),
            4: Answer(rows={"甲": "好", "乙": "差"}),
            5: Answer(labels=(back,)),
            6: Answer(text=text) if text else Answer(Missing.EMPTY),
        },
    )


def _population() -> list[Response]:
    out = []
    for i in range(40):
        grade = "大一" if i < 20 else ("大二" if i < 37 else "博士")  # 博士: 3 people
        out.append(
            _resp(
                i,
                grade,
                sat=1 + i % 5,
                hobbies=("读书", "运动") if i % 2 else ("读书",),
                back="愿意" if i % 3 else "不愿意",
                duration=30 if i < 4 else 300,
                text="希望多提供实践岗位和实践补贴" if i % 4 == 0 else None,
            )
        )
    return out


def _result() -> dict:  # type: ignore[type-arg]
    return analyze_responses(Q, _population())


def test_single_counts_and_percentages() -> None:
    q = _result()["questions"][0]
    assert q["counts"] == {"大一": 20, "大二": 17, "博士": 3}
    assert q["percentages"]["大一"] == 50.0


def test_scale_mean_sd_top2box() -> None:
    q = _result()["questions"][1]
    assert q["mean"] == 3.0 and q["top2box"] == 40.0 and q["sd"] is not None


def test_multi_bases() -> None:
    q = _result()["questions"][2]
    assert q["respondents"] == 40 and q["selections"] == 60
    assert q["pct_of_respondents"]["读书"] == 100.0  # % of respondents may exceed 100 in sum
    assert q["pct_of_responses"]["读书"] == round(100 * 40 / 60, 2)


def test_matrix_counts_map_rows_to_options() -> None:
    q = _result()["questions"][3]
    assert q["counts"] == {"甲": {"差": 0, "中": 0, "好": 40}, "乙": {"差": 40, "中": 0, "好": 0}}
    assert q["rows"]["甲"]["mean"] == 3.0 and q["rows_by_mean"] == ["甲", "乙"]


def test_crosstab_hides_groups_smaller_than_five() -> None:
    ct = _result()["crosstabs"][0]
    assert ct["column_labels"] == ["大一", "大二", "博士"]
    j = ct["column_labels"].index("博士")
    assert ct["suppressed_columns"] == ["博士"]
    assert ct["column_totals"][j] is None
    assert all(row[j] is None for row in ct["counts"])
    assert all(row[j] is None for row in ct["column_pct"])
    assert ct["chi2"] is not None and ct["p"] is not None
    assert any("隐私" in w for w in ct["warnings"])


def test_overview_speeders_and_duplicates() -> None:
    people = _population()
    people.append(_resp(99, "大一", 3, ("读书",), "愿意"))
    people[-1].content_key = people[0].content_key  # same answers submitted twice
    ov = analyze_responses(Q, people)["overview"]
    assert ov["responses"] == 41 and ov["speeders"] == 4 and ov["duplicates"] == 1
    assert ov["valid"] == 36
    assert ov["duration_seconds"]["median"] == 300


def test_text_keywords_themes_and_small_themes() -> None:
    q = _result()["questions"][5]
    words = [k["word"] for k in q["keywords"]]
    assert "实践岗位" in words  # from the user dictionary, not split into 实践/岗位
    assert "希望" not in words  # a stop word
    themes = {t["theme"]: t for t in q["themes"]}
    assert themes["岗位"]["count"] == 10 and themes["岗位"]["quotes"]


def test_theme_under_five_is_suppressed() -> None:
    people = _population()[:8]
    q = analyze_responses(Q, people)["questions"][5]
    assert all(t["count"] is None and t["quotes"] == [] for t in q["themes"])


def test_reservoir_keeps_memory_bounded() -> None:
    acc = TextAccumulator()
    for i in range(10_000):
        acc.add(f"建议{i}")
    assert acc.answered == 10_000 and len(acc.sample) == 3000


def test_personal_data_in_free_text_is_masked() -> None:
    assert mask_personal("电话13812345678，身份证140302199901011234") == (
        "电话138****5678，身份证140302********1234"
    )


def test_analyzer_accepts_a_questionnaire_that_grew() -> None:
    a = Analyzer(Q)
    for r in _population():
        a.add(r)
    assert build_result(a, Q)["responses"] == 40


def test_compare_two_seasons() -> None:
    before = _result()
    later = _population()
    for r in later[:10]:
        r.answers[5] = Answer(labels=("愿意",))
    after = analyze_responses(Q, later)
    cmp = compare_results(before, after, ("2025", "2026"))
    item = next(x for x in cmp["questions"] if x["number"] == 5)
    assert item["options"]["愿意"]["change_pp"] > 0
    assert "p" in item and 0 <= item["p"] <= 1
    assert cmp["responses"] == {"before": 40, "after": 40}


def _scoped_and_not(people: list[Response]) -> tuple[dict, dict]:  # type: ignore[type-arg]
    out = []
    for scoped in (False, True):
        analyzer = Analyzer(Q)
        for r in people:
            analyzer.add(r)
        out.append(build_result(analyzer, Q, scoped=scoped))
    return out[0], out[1]


def test_a_county_view_shows_no_verbatim_free_text() -> None:
    people = _population()
    people.append(_resp(50, "大一", 3, ("读书",), "愿意", text="我是平定县某村的张三，岗位不错"))
    everyone, county = _scoped_and_not(people)
    themes = {t["theme"]: t for t in everyone["questions"][5]["themes"]}
    assert themes["岗位"]["count"] == 11 and themes["岗位"]["quotes"]
    scoped = {t["theme"]: t for t in county["questions"][5]["themes"]}
    assert scoped["岗位"]["count"] == 11  # the count of a group of 5 or more is still shown
    assert scoped["岗位"]["quotes"] == [] and scoped["岗位"]["quotes_withheld"] is True
    assert "张三" not in json.dumps(county, ensure_ascii=False)
    assert county["privacy"]["scoped"] is True and "县区" in county["privacy"]["note"]


def test_keywords_used_by_fewer_than_five_are_not_shown() -> None:
    people = _population()  # 10 answers share one sentence
    people += [
        _resp(60 + i, "大一", 3, ("读书",), "愿意", text=f"阳泉郊区{i}号{w}有意思")
        for i, w in enumerate(["张家坪村"] * 4 + ["人才公寓"] * 5)
    ]
    everyone, _ = _scoped_and_not(people)
    keywords = {k["word"]: k["answers"] for k in everyone["questions"][5]["keywords"]}
    assert all(n >= 5 for n in keywords.values())
    assert not any(w.startswith("张家") for w in keywords)  # 4 answers: segmented as 张家
    assert keywords.get("人才公寓") == 5


def test_a_county_view_hides_option_counts_under_five_and_what_derives_from_them() -> None:
    everyone, county = _scoped_and_not(_population())
    grade_all, grade = everyone["questions"][0], county["questions"][0]
    assert grade_all["counts"]["博士"] == 3  # the whole population: shown as is
    # 博士 (3) is hidden, and with it the next smallest (大二, 17), or 40 - 20 would give 3 back.
    assert grade["counts"] == {"大一": 20, "大二": None, "博士": None}
    assert grade["percentages"]["博士"] is None and grade["percentages"]["大一"] == 50.0
    assert grade["small_groups_hidden"] == 2
    hobbies = county["questions"][2]
    assert all(v is None or v == 0 or v >= 5 for v in hobbies["counts"].values())
    matrix = county["questions"][3]
    for row in matrix["counts"].values():
        assert all(v is None or v == 0 or v >= 5 for v in row.values())


def test_hiding_small_counts_keeps_totals_from_giving_them_away() -> None:
    from survey_service.domain.analysis.privacy import hide_small_counts

    assert hide_small_counts({"a": 10, "b": 2, "c": 7}, exclusive=True) == {
        "a": 10,
        "b": None,
        "c": None,
    }
    assert hide_small_counts({"a": 10, "b": 2, "c": 0}, exclusive=False) == {
        "a": 10,
        "b": None,
        "c": 0,
    }
    assert hide_small_counts({"a": 10, "b": 2, "c": 3}, exclusive=True) == {
        "a": 10,
        "b": None,
        "c": None,
    }
