"""The demo season's generator (pure, no services): the programme's numbers at scale 1, the
same season from the same seed, and data every service will accept."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from typing import Any

import pytest

from fanxiang_local.demo import generate
from fanxiang_local.demo.generate import apportion
from placement_service.api.exports import reference as placement_reference
from survey_service.api.answers import validate_answers
from survey_service.domain import parse_questionnaire
from survey_service.domain.catalog import season_questionnaire

REFERENCE: dict[str, Any] = asyncio.run(placement_reference()).model_dump()


def questionnaire() -> dict[str, Any]:
    """As survey's `GET /v1/questionnaires/{id}` returns it."""
    return json.loads(season_questionnaire().model_dump_json())


@pytest.fixture(scope="module")
def demo() -> Any:
    return generate(REFERENCE, questionnaire())


def test_the_seasons_numbers_at_full_scale(demo: Any) -> None:
    assert len(demo.units) == 129
    assert len(demo.posts) == 290
    assert len(demo.students) == 174
    assert len(demo.universities) == 76
    assert len(demo.cities) == 29
    assert sorted(li.city for li in demo.liaisons) == sorted(demo.cities)
    assert len(demo.responses) == 198
    assert {c.org for c in demo.committees} == {
        "140302",
        "140303",
        "140311",
        "140321",
        "140322",
        "140311400",
    }


def test_same_seed_same_season_other_seed_other_season() -> None:
    q = questionnaire()
    assert generate(REFERENCE, q, seed=7) == generate(REFERENCE, q, seed=7)
    assert generate(REFERENCE, q, seed=7) != generate(REFERENCE, q, seed=8)


def test_every_place_has_units_of_realistic_types(demo: Any) -> None:
    assert set(Counter(u.approver for u in demo.units)) == {
        "city",
        "140302",
        "140303",
        "140311",
        "140321",
        "140322",
        "140311400",
    }
    assert {u.unit_type for u in demo.units} <= set(REFERENCE["unit_types"])
    assert len({u.unit_type for u in demo.units}) >= 8
    assert len({u.name for u in demo.units}) == len(demo.units)
    assert len({u.contact_phone for u in demo.units}) == len(demo.units)
    for u in demo.units:
        county = next((c for c in REFERENCE["counties"] if c["code"] == u.county), None)
        assert (county is None) == (u.county == "city")
        assert u.township is None or u.township in county["townships"]  # type: ignore[index]


def test_posts_fit_placements_vocabulary_and_most_are_published(demo: Any) -> None:
    assert {p.category for p in demo.posts} <= set(REFERENCE["post_categories"])
    assert len({p.category for p in demo.posts}) == 8
    statuses = Counter(p.status for p in demo.posts)
    assert statuses["published"] > 0.9 * len(demo.posts)
    assert statuses["submitted"] > 0 and statuses["returned"] > 0 and statuses["draft"] > 0
    assert all(p.return_reason for p in demo.posts if p.status == "returned")
    assert all(1 <= p.capacity <= 4 for p in demo.posts)


def test_students_apply_to_published_posts_mostly_near_home(demo: Any) -> None:
    phones = [s.phone for s in demo.students]
    assert len(set(phones)) == len(phones)
    local = total = 0
    for s in demo.students:
        county = next(c for c in REFERENCE["counties"] if c["code"] == s.home_county)
        assert s.home_township in county["townships"]
        assert len(s.choices) == len(set(s.choices)) <= 5
        for key in s.choices:
            post = demo.post(key)
            assert post.status == "published"
            total += 1
            local += post.county in (s.home_county, "city")
        if not s.choices:
            assert s.eligible is None
        if s.eligible is False:
            assert s.ineligible_reason
    assert local > 0.9 * total
    assert 0.8 * len(demo.students) < len(demo.applicants) < len(demo.students)
    decided = Counter(s.eligible for s in demo.applicants)
    assert decided[True] > decided[None] > decided[False] > 0


def test_interviews_only_of_eligible_applicants_for_posts_they_chose(demo: Any) -> None:
    students = {s.key: s for s in demo.students}
    for i in demo.interviews:
        assert students[i.student].eligible
        assert i.post in students[i.student].choices
        assert (i.scores is None) or (i.refusal is None)
        if i.scores:
            assert all(50 <= v <= 99 for v in i.scores.values())
    kinds = Counter(
        "scored" if i.scores else "refused" if i.refusal else "scheduled" for i in demo.interviews
    )
    assert kinds["scored"] > kinds["scheduled"] > kinds["refused"] > 0


def test_every_response_is_valid_for_the_questionnaire(demo: Any) -> None:
    q = parse_questionnaire(questionnaire())
    for r in demo.responses:
        validate_answers(q, r.answers)  # raises InvalidAnswer naming the question
    assert len({r.key for r in demo.responses}) == len(demo.responses)
    linked = [r for r in demo.responses if r.student]
    assert 0.5 * len(demo.responses) < len(linked) < len(demo.responses)
    students = {s.key: s for s in demo.students}
    for r in linked:
        assert r.answers["1"] == students[r.student].gender


@pytest.mark.parametrize("scale", [0.01, 0.12, 0.5])
def test_a_smaller_scale_shrinks_every_count(scale: float) -> None:
    small = generate(REFERENCE, questionnaire(), scale=scale)
    assert 1 <= len(small.units) <= round(129 * scale) + 1
    assert len(small.posts) == max(1, round(290 * scale))
    assert len(small.students) == max(1, round(174 * scale))
    assert len(small.responses) == max(1, round(198 * scale))
    assert all(
        s.choices == () or all(small.post(c).status == "published" for c in s.choices)
        for s in small.students
    )


def test_apportion_gives_the_total_and_everyone_a_share() -> None:
    split = apportion(129, {"a": 19, "b": 22, "c": 88})
    assert sum(split.values()) == 129 and all(
        abs(split[k] - w) <= 1 for k, w in (("a", 19), ("b", 22), ("c", 88))
    )
    split = apportion(10, {"a": 1, "b": 1, "c": 50})
    assert sum(split.values()) == 10 and min(split.values()) == 1
    assert sum(apportion(2, {"a": 1, "b": 1, "c": 1}).values()) == 2


def test_scale_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="scale"):
        generate(REFERENCE, None, scale=0)
