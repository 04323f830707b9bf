"""The questionnaire as data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from survey_service.domain import (
    QuestionKind,
    ShowIf,
    parse_questionnaire,
    season_questionnaire,
)
from survey_service.files import load_questionnaire


def test_season_questionnaire_has_the_seventeen_questions() -> None:
    q = season_questionnaire()
    assert [x.number for x in q.questions] == list(range(1, 18))
    kinds = {x.number: x.kind for x in q.questions}
    assert kinds[8] is QuestionKind.SCALE and kinds[9] is QuestionKind.MATRIX
    assert kinds[12] is QuestionKind.MULTI and q.question(12).max_choices == 3
    assert kinds[17] is QuestionKind.TEXT
    assert q.question(8).show_if == ShowIf(question=7, none_of=("未参加岗位实践",))
    assert q.question(10).options[-1].open
    assert {c.row for c in q.analysis.crosstabs} == {11, 8}


def test_skip_logic() -> None:
    rule = ShowIf(question=7, none_of=("未参加岗位实践",))
    assert rule.shown(("政务实践",)) and not rule.shown(("未参加岗位实践",))
    assert not rule.shown(None)
    assert ShowIf(question=1, any_of=("学生",)).shown(("学生",))


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (
            {
                "questions": [
                    {"number": 1, "title": "a", "kind": "single", "options": ["x"]},
                    {"number": 1, "title": "b", "kind": "text"},
                ]
            },
            "duplicate question",
        ),
        ({"questions": [{"number": 1, "title": "a", "kind": "single"}]}, "needs options"),
        (
            {"questions": [{"number": 1, "title": "a", "kind": "matrix", "options": ["x"]}]},
            "needs rows",
        ),
        (
            {"questions": [{"number": 1, "title": "a", "kind": "single", "options": ["x", "x"]}]},
            "duplicate option",
        ),
        (
            {
                "questions": [
                    {
                        "number": 1,
                        "title": "a",
                        "kind": "text",
                        "show_if": {"question": 2, "any_of": ["x"]},
                    },
                    {"number": 2, "title": "b", "kind": "single", "options": ["x"]},
                ]
            },
            "earlier question",
        ),
        ({"questions": [{"number": 1, "title": "a", "kind": "bogus"}]}, "kind"),
    ],
)
def test_invalid_questionnaires(doc: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValueError, match=message):
        parse_questionnaire({"id": "x", "version": "1", **doc})


def test_load_json_and_yaml(tmp_path: Path) -> None:
    doc = {
        "id": "x",
        "version": "2",
        "questions": [{"number": 1, "title": "a", "kind": "single", "options": ["甲", "乙"]}],
    }
    (tmp_path / "q.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "q.yaml").write_text(
        "id: x\nversion: '2'\nquestions:\n  - {number: 1, title: a, kind: single, "
        "options: [甲, 乙]}\n",
        encoding="utf-8",
    )
    assert load_questionnaire(tmp_path / "q.json") == load_questionnaire(tmp_path / "q.yaml")
    with pytest.raises(ValueError, match="cannot read"):
        load_questionnaire(tmp_path / "missing.json")
