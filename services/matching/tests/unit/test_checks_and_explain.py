"""The independent checker catches broken matchings; explanations give the right reason."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from matching_cases import QUICK, instances

from matching_service.domain import (
    BlockingPair,
    Matching,
    check_matching,
    check_stability,
    explain,
    parse_instance,
    solve,
)
from matching_service.domain.generate import GeneratorConfig, generate_instance
from matching_service.domain.tiebreak import lottery, lottery_number

TWO = {
    "students": [
        {"id": "S1", "home_county": "A", "choices": ["P1", "P2"]},
        {"id": "S2", "home_county": "A", "choices": ["P1", "P2"]},
    ],
    "posts": [
        {"id": "P1", "county": "A", "capacity": 1, "ranking": ["S1", "S2"]},
        {"id": "P2", "county": "A", "capacity": 1, "ranking": ["S1", "S2"]},
    ],
}


def _m(*posts: int) -> Matching:
    return Matching(post=np.array(posts, dtype=np.int32), proposals=-1)


def test_checker_finds_blocking_pairs() -> None:
    inst = parse_instance(TWO)
    assert check_stability(inst, _m(0, 1)) == []
    # S1 in P2, S2 in P1: P1 prefers S1, S1 prefers P1.
    assert check_stability(inst, _m(1, 0)) == [
        BlockingPair("S1", "P1", "post holds a student it ranks lower")
    ]
    # Nobody placed: both posts are under capacity and want both students.
    assert [(b.student, b.post) for b in check_stability(inst, _m(-1, -1))] == [
        ("S1", "P1"),
        ("S1", "P2"),
        ("S2", "P1"),
        ("S2", "P2"),
    ]


def test_checker_finds_infeasible_matchings() -> None:
    inst = parse_instance(
        {
            "students": [
                {"id": "S1", "home_county": "A", "choices": ["P1"]},
                {"id": "S2", "home_county": "A", "choices": ["P1", "P2"]},
            ],
            "posts": [
                {"id": "P1", "county": "A", "capacity": 1, "ranking": ["S1", "S2"]},
                {"id": "P2", "county": "B", "capacity": 1, "ranking": ["S2"]},
                {"id": "P3", "county": "A", "capacity": 1, "ranking": ["S1"]},
            ],
            "rules": {"locality": "home-county"},
        }
    )
    assert check_matching(inst, _m(0, 0)) == ["P1 holds 2 students, capacity 1"]
    assert check_matching(inst, _m(2, -1)) == ["S1 placed in P3, which they did not choose"]
    assert check_matching(inst, _m(0, 1)) == ["S2 placed in P2, which may not take them"]


@QUICK
@given(instances())
def test_solver_output_breaks_when_a_placement_is_dropped(doc: dict[str, Any]) -> None:
    """Unplacing anyone makes the checker complain: the seat or the student's next choice
    now blocks (the checker is not vacuous)."""
    inst = parse_instance(doc)
    m = solve(inst)
    placed = np.flatnonzero(m.post >= 0)
    for s in placed[:3].tolist():
        broken = m.post.copy()
        broken[s] = -1
        pairs = check_stability(inst, Matching(post=broken, proposals=-1))
        assert (inst.student_ids[s], inst.post_ids[m.post[s]]) in {
            (b.student, b.post) for b in pairs
        }


def test_explanations_give_each_reason() -> None:
    doc = {
        "students": [
            {"id": "S1", "home_county": "A", "choices": ["PB", "PR", "PN", "PF", "PS"]},
            {"id": "S2", "home_county": "A", "choices": ["PF", "PS"]},
            {"id": "S3", "home_county": "A", "choices": ["PS"]},
        ],
        "posts": [
            {"id": "PB", "county": "B", "capacity": 1, "ranking": ["S1"]},
            {"id": "PR", "county": "A", "capacity": 1, "ranking": ["S1"], "refused": ["S1"]},
            {"id": "PN", "county": "city", "capacity": 1, "ranking": []},
            {"id": "PF", "county": "A", "capacity": 1, "ranking": ["S2", "S1"]},
            {"id": "PS", "county": "A", "capacity": 2, "scores": {"S1": 70, "S3": 90}},
        ],
        "rules": {"locality": "home-county"},
    }
    inst = parse_instance(doc)
    why = explain(inst, solve(inst))
    assert why["S1"] == {
        "post": "PS",
        "choice": 5,
        "not_placed_higher": [
            {"post": "PB", "reason": "outside_home_county"},
            {"post": "PR", "reason": "not_acceptable", "detail": "refused"},
            {"post": "PN", "reason": "not_acceptable", "detail": "not_ranked"},
            {"post": "PF", "reason": "full", "capacity": 1, "cutoff_rank": 1, "your_rank": 2},
        ],
    }
    assert why["S2"]["not_placed_higher"] == [] and why["S2"]["post"] == "PF"
    assert why["S3"] == {"post": "PS", "choice": 1, "not_placed_higher": []}


def test_explanation_of_a_scored_cutoff() -> None:
    doc = {
        "students": [
            {"id": "S1", "home_county": "A", "choices": ["P1"]},
            {"id": "S2", "home_county": "A", "choices": ["P1"]},
        ],
        "posts": [{"id": "P1", "county": "A", "capacity": 1, "scores": {"S1": 80.5, "S2": 92}}],
    }
    inst = parse_instance(doc)
    assert explain(inst, solve(inst))["S1"]["not_placed_higher"] == [
        {
            "post": "P1",
            "reason": "full",
            "capacity": 1,
            "cutoff_rank": 1,
            "your_rank": 2,
            "cutoff_score": 92.0,
            "your_score": 80.5,
        }
    ]


@QUICK
@given(instances())
def test_explanations_are_consistent(doc: dict[str, Any]) -> None:
    inst = parse_instance(doc)
    m = solve(inst)
    why = explain(inst, m)
    assert list(why) == inst.student_ids
    placed = m.as_dict(inst)
    for student in doc["students"]:
        entry = why[student["id"]]
        assert entry["post"] == placed.get(student["id"])
        n_higher = entry["choice"] - 1 if entry["choice"] else len(student["choices"])
        assert [r["post"] for r in entry["not_placed_higher"]] == student["choices"][:n_higher]
        for r in entry["not_placed_higher"]:
            if r["reason"] == "full" and r["cutoff_rank"] is not None:
                assert r["cutoff_rank"] < r["your_rank"]


def test_explain_refuses_an_unstable_matching() -> None:
    inst = parse_instance(TWO)
    with pytest.raises(ValueError, match="not a stable matching"):
        explain(inst, _m(1, 0))


# --- tie-break ------------------------------------------------------------------------------


def test_lottery_matches_its_documented_definition() -> None:
    ids = ["S1", "学生-0001", "a-rather-long-student-identifier", "x" * 8, "x" * 9]
    for seed in (0, 2022, -1, 2**64 + 5):
        assert lottery(ids, seed).tolist() == [lottery_number(seed, i) for i in ids]
    assert lottery_number(2022, "S1") != lottery_number(2023, "S1")


def _scored(students: list[dict[str, Any]], post: dict[str, Any], seed: int = 1) -> list[str]:
    doc = {
        "students": students,
        "posts": [{"id": "P1", "county": "A", "capacity": 1, **post}],
        "rules": {"seed": seed},
    }
    inst = parse_instance(doc)
    return [inst.student_ids[s] for s in inst.order_of(0).tolist()]


def test_tie_break_score_then_distance_then_lottery() -> None:
    near, far = {"lon": 113.60, "lat": 37.85}, {"lon": 113.41, "lat": 38.09}
    students = [
        {"id": "A", "home_county": "X", "choices": ["P1"], "home": far},
        {"id": "B", "home_county": "X", "choices": ["P1"], "home": near},
        {"id": "C", "home_county": "X", "choices": ["P1"]},
        {"id": "D", "home_county": "X", "choices": ["P1"], "home": far},
    ]
    scores = {"A": 80, "B": 80, "C": 80, "D": 95}
    here = {"lon": 113.6, "lat": 37.86}
    # D scores highest; among the 80s, B is nearest, C (no home) comes after A.
    assert _scored(students, {"scores": scores, "location": here}) == ["D", "B", "A", "C"]
    # Without a post location the distance step is skipped: the lottery orders A, B, C.
    lots = sorted("ABC", key=lambda s: lottery_number(1, s))
    assert _scored(students, {"scores": scores}) == ["D", *lots]
    # A ranking is taken as given.
    assert _scored(students, {"ranking": ["C", "A"]}) == ["C", "A"]


def test_generator_is_deterministic_and_valid() -> None:
    a = generate_instance(200, 60, GeneratorConfig(seed=3))
    assert a == generate_instance(200, 60, GeneratorConfig(seed=3))
    assert a != generate_instance(200, 60, GeneratorConfig(seed=4))
    inst = parse_instance(a)
    assert inst.n_students == 200 and inst.n_posts == 60
    assert inst.post_scored.any() and not inst.post_scored.all()
    assert inst.refused_student.size > 0
    assert (np.diff(inst.choice_ptr) <= 10).all()
