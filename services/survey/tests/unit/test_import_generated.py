"""Import generated exports in every vendor layout and check them against the ground truth."""

from __future__ import annotations

from collections import Counter

import pytest

from survey_service.domain import (
    Analyzer,
    Level,
    Questionnaire,
    build_result,
    read_export,
    season_questionnaire,
)
from survey_service.domain.values import Missing
from survey_service.exportgen import LAYOUTS, ExportTruth, layout_name

LAYOUT_IDS = [layout_name(x) for x in LAYOUTS]


def _run(truth: ExportTruth, q: Questionnaire | None) -> tuple[dict, object, list]:  # type: ignore[type-arg]
    with truth.path.open("rb") as fh:
        imp = read_export(fh, q)
        responses = list(imp.responses())
    analyzer = Analyzer(imp.questionnaire)
    for r in responses:
        analyzer.add(r)
    return build_result(analyzer, imp.questionnaire, imp.report), imp, responses


@pytest.mark.parametrize("layout", LAYOUT_IDS)
def test_every_row_is_accounted_for(exports: dict[str, ExportTruth], layout: str) -> None:
    truth = exports[layout]
    result, imp, responses = _run(truth, season_questionnaire())
    rep = imp.report  # type: ignore[attr-defined]
    assert rep.vendor == truth.vendor
    assert rep.format == truth.fmt
    assert rep.mode == truth.mode
    assert rep.responses == len(responses) == truth.responses == result["responses"]
    assert rep.rejected == truth.rejected
    assert rep.blank == (truth.blank)
    assert rep.exact_duplicates == truth.duplicates
    assert rep.data_rows == rep.responses + rep.rejected + rep.blank == truth.data_rows
    rejected = [p for p in rep.problems if p.level is Level.REJECTED]
    assert len(rejected) == truth.rejected and all(p.row and p.row > 1 for p in rejected)
    assert (
        sum(p.level is Level.WARNING and p.reason.startswith("未知选项") for p in rep.problems)
        == truth.invalid_values
    )
    assert result["overview"]["speeders"] == truth.speeders


@pytest.mark.parametrize("layout", LAYOUT_IDS)
def test_counts_match_the_truth(exports: dict[str, ExportTruth], layout: str) -> None:
    truth = exports[layout]
    result, _, _ = _run(truth, season_questionnaire())
    by_number = {q["number"]: q for q in result["questions"]}
    assert sorted(by_number) == list(range(1, 18))
    for number, expected in truth.counts.items():
        q = by_number[number]
        assert q["counts"] == expected, f"question {number}"
        assert q["answered"] == truth.answered[number], f"question {number}"
    # 其他〖…〗 texts are kept (腾讯问卷 has no fill-in for single choices in our layout)
    for number, n in truth.other_texts.items():
        assert sum(o["count"] for o in by_number[number].get("other_texts", [])) == n


@pytest.mark.parametrize("layout", LAYOUT_IDS)
def test_personal_data_never_survives_import(exports: dict[str, ExportTruth], layout: str) -> None:
    truth = exports[layout]
    result, imp, responses = _run(truth, None)
    dropped = imp.report.dropped_columns  # type: ignore[attr-defined]
    assert (
        ("来自IP" in dropped)
        if truth.vendor == "wjx"
        else {"IP", "用户标识", "昵称"} <= set(dropped)
    )
    text = repr(result) + "".join(repr(r.answers) for r in responses[:50])
    assert "山西-阳泉)" not in text and "oX" not in text and "小明" not in text


@pytest.mark.parametrize("layout", [x for x in LAYOUT_IDS if "-text-" in x])
def test_inferred_questionnaire_finds_the_same_counts(
    exports: dict[str, ExportTruth], layout: str
) -> None:
    truth = exports[layout]
    result, _, _ = _run(truth, None)
    kinds = {q["number"]: q["kind"] for q in result["questions"]}
    assert kinds[1] == "single" and kinds[10] == "multi" and kinds[17] == "text"
    assert kinds[8] == "scale" and kinds[9] == "matrix" and kinds[14] == "matrix"
    for q in result["questions"]:
        expected = truth.counts[q["number"]]
        got = q["counts"]
        if q["kind"] == "matrix":
            got = {r: {k: v for k, v in c.items() if v} for r, c in got.items()}
            expected = {r: {k: v for k, v in c.items() if v} for r, c in expected.items()}
        else:
            got = {k: v for k, v in got.items() if v and k not in ("不知道",)}
            expected = {k: v for k, v in expected.items() if v}
        assert got == expected, f"question {q['number']}"


@pytest.mark.parametrize("layout", ["wjx-code-xlsx-utf-8-sig", "wjx-code-csv-gbk"])
def test_inferred_code_download_counts_by_option_index(
    exports: dict[str, ExportTruth], layout: str
) -> None:
    truth = exports[layout]
    season = season_questionnaire()
    result, imp, _ = _run(truth, None)
    assert imp.report.mode == "code"  # type: ignore[attr-defined]
    by_number = {q["number"]: q for q in result["questions"]}
    for number in (2, 5, 11):
        labels = season.question(number).labels
        got = by_number[number]["counts"]
        assert {labels[int(k) - 1]: v for k, v in got.items() if k != "99"} == {
            k: v for k, v in truth.counts[number].items() if v
        }
    # split 0/1 columns become a multi question with the option texts of the headers
    assert by_number[10]["kind"] == "multi"
    assert by_number[10]["counts"] == truth.counts[10]


def test_fingerprints_are_stable_across_downloads(exports: dict[str, ExportTruth]) -> None:
    """The same submissions downloaded as text and as codes, or imported twice, fingerprint
    identically, so a store can refuse the second import."""

    def prints(name: str) -> list[str]:
        with exports[name].path.open("rb") as fh:
            return [r.fingerprint for r in read_export(fh).responses()]

    text, code = prints("wjx-text-xlsx-utf-8-sig"), prints("wjx-code-csv-gbk")
    assert text == prints("wjx-text-xlsx-utf-8-sig")
    assert text == code
    assert len(set(text)) == len(text)


def test_skip_logic_answers_are_skipped_not_empty(exports: dict[str, ExportTruth]) -> None:
    truth = exports["wjx-code-xlsx-utf-8-sig"]
    _, _, responses = _run(truth, season_questionnaire())
    hidden = [r for r in responses if r.answers[7].labels == ("未参加岗位实践",)]
    assert hidden, "the generator should produce respondents without a post"
    assert all(r.answers[8].status is Missing.SKIPPED for r in hidden)
    assert all(r.answers[9].status is Missing.SKIPPED for r in hidden)


@pytest.mark.parametrize(
    "layout", ["wjx-text-csv-utf-8-sig", "wjx-code-xlsx-", "tencent-text-csv-gb18030"]
)
def test_ranking_blanks_and_other_text(
    sink_exports: dict[str, ExportTruth], kitchen_sink: Questionnaire, layout: str
) -> None:
    truth = sink_exports[layout]
    result, imp, responses = _run(truth, kitchen_sink)
    assert imp.report.rejected == truth.rejected  # type: ignore[attr-defined]
    by_number = {q["number"]: q for q in result["questions"]}
    for number in (1, 2, 3, 5, 6):
        assert by_number[number]["counts"] == truth.counts[number], number
    assert by_number[4]["answered"] == truth.answered[4]
    ranked = [r.answers[2].labels for r in responses if r.answers[2].status is None]
    first = Counter(x[0] for x in ranked)
    assert by_number[2]["first_choice"] == {k: first[k] for k in ("阳泉", "太原", "北京", "上海")}


def test_crosstab_counts_equal_a_recount_of_the_responses(exports: dict[str, ExportTruth]) -> None:
    """The identity tallies the analysis uses for speed must give the plain joint counts."""
    result, _, responses = _run(exports["wjx-code-xlsx-utf-8-sig"], season_questionnaire())
    ct = next(
        c for c in result["crosstabs"] if c["row"]["number"] == 11 and c["column"]["number"] == 2
    )
    joint = Counter(
        (r.answers[11].labels[0], r.answers[2].labels[0])
        for r in responses
        if r.answers[11].status is None and r.answers[2].status is None
    )
    for i, row in enumerate(ct["row_labels"]):
        for j, col in enumerate(ct["column_labels"]):
            shown = ct["counts"][i][j]
            assert shown is None or shown == joint[(row, col)]
            assert (
                shown is not None
                or joint[(row, col)] < 5
                or ct["column_totals"][j] is None
                or any(
                    ct["counts"][k][j] is None and joint[(ct["row_labels"][k], col)] < 5
                    for k in range(len(ct["row_labels"]))
                )
            )
    assert sum(t for t in ct["column_totals"] if t is not None) <= ct["n"] == sum(joint.values())
