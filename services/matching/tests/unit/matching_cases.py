"""Hypothesis strategies for small matching instances (contract-4 dicts), shared by the tests.

Small on purpose: shrinking finds minimal counter-examples, and brute force stays feasible.
Values are drawn from tiny pools so that ties, refusals, capacity 0, unranked applicants,
rankings of students who did not apply, and county clashes all happen often.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Per-test settings (not a global profile: other services' tests share the session).
# Few examples: the suite must stay under a minute on 2 shared cores.
QUICK = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

COUNTIES = ("140302", "140322")
SCORES = (60.0, 75.5, 75.5, 88.0, 91.0)
POINTS = ({"lon": 113.6, "lat": 37.85}, {"lon": 113.41, "lat": 38.09}, {"lon": 113.6, "lat": 37.9})


@st.composite
def instances(
    draw: st.DrawFn,
    *,
    max_students: int = 7,
    max_posts: int = 4,
    max_choices: int = 4,
    scores: bool = True,
    ids: st.SearchStrategy[str] | None = None,
) -> dict[str, Any]:
    n_s = draw(st.integers(0, max_students))
    n_p = draw(st.integers(1, max_posts))
    if ids is None:
        sids = [f"S{i + 1}" for i in range(n_s)]
        pids = [f"P{j + 1}" for j in range(n_p)]
    else:
        unique = draw(st.lists(ids, min_size=n_s + n_p, max_size=n_s + n_p, unique=True))
        sids, pids = unique[:n_s], unique[n_s:]
    students = []
    for sid in sids:
        rec: dict[str, Any] = {
            "id": sid,
            "home_county": draw(st.sampled_from(COUNTIES)),
            "choices": draw(st.lists(st.sampled_from(pids), max_size=max_choices, unique=True)),
        }
        if draw(st.booleans()):
            rec["home"] = draw(st.sampled_from(POINTS))
        if draw(st.integers(0, 5)) == 0:
            rec["locality_exception"] = True
        students.append(rec)
    posts = []
    for pid in pids:
        rec = {
            "id": pid,
            "county": draw(st.sampled_from((*COUNTIES, "city"))),
            "capacity": draw(st.integers(0, 3)),
        }
        listed = draw(st.permutations(sids)) if sids else []
        listed = listed[: draw(st.integers(0, len(listed)))]
        if scores and draw(st.booleans()):
            rec["scores"] = {s: draw(st.sampled_from(SCORES)) for s in listed}
        else:
            rec["ranking"] = list(listed)
        if sids and draw(st.integers(0, 3)) == 0:
            rec["refused"] = draw(st.lists(st.sampled_from(sids), max_size=2))
        if draw(st.booleans()):
            rec["location"] = draw(st.sampled_from(POINTS))
        posts.append(rec)
    rules: dict[str, Any] = {"locality": draw(st.sampled_from(("any", "home-county")))}
    if draw(st.booleans()):
        rules["seed"] = draw(st.integers(-(2**63), 2**64 - 1))  # what orjson can write
    return {"students": students, "posts": posts, "rules": rules}


# --- a valid instance, and mutations that each make it invalid (parse and CLI tests) ---


def valid_instance() -> dict[str, Any]:
    return {
        "students": [
            {"id": "S1", "home_county": "140322", "choices": ["P1", "P2"]},
            {"id": "S2", "home_county": "140302", "choices": ["P2"]},
            {"id": "S3", "home_county": "140302", "choices": []},
            {"id": "S4", "home_county": "140322", "choices": ["P1"]},
        ],
        "posts": [
            {"id": "P1", "county": "140322", "capacity": 1, "ranking": ["S4", "S1"]},
            {"id": "P2", "county": "city", "capacity": 2, "scores": {"S1": 80, "S2": 91.5}},
        ],
        "rules": {"locality": "home-county"},
    }


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def apply(doc: dict[str, Any]) -> None:
        *head, last = path.split(".")
        node: Any = doc
        for key in head:
            node = node[int(key)] if key.isdigit() else node[key]
        if value is _DELETE:
            del node[last]
        else:
            node[int(last) if last.isdigit() else last] = value

    return apply


_DELETE = object()

INVALID: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    (
        "choice names no post",
        _set("students.3.choices", ["P99"]),
        'students[3] (id "S4"): choice "P99" names no post',
    ),
    (
        "duplicate choice",
        _set("students.0.choices", ["P1", "P2", "P1"]),
        'students[0] (id "S1"): choice "P1" is listed twice',
    ),
    (
        "duplicate student id",
        _set("students.2.id", "S1"),
        'students[2] (id "S1"): duplicate id (first used by students[0])',
    ),
    (
        "duplicate post id",
        _set("posts.1.id", "P1"),
        'posts[1] (id "P1"): duplicate id (first used by posts[0])',
    ),
    (
        "negative capacity",
        _set("posts.0.capacity", -1),
        'posts[0] (id "P1"): capacity: Expected `int` >= 0',
    ),
    (
        "fractional capacity",
        _set("posts.0.capacity", 1.5),
        'posts[0] (id "P1"): capacity: Expected `int`, got `float`',
    ),
    (
        "capacity as text",
        _set("posts.0.capacity", "2"),
        'posts[0] (id "P1"): capacity: Expected `int`, got `str`',
    ),
    (
        "ranking names no student",
        _set("posts.0.ranking", ["S4", "S9"]),
        'posts[0] (id "P1"): ranking names no student "S9"',
    ),
    (
        "ranking lists twice",
        _set("posts.0.ranking", ["S4", "S4"]),
        'posts[0] (id "P1"): ranking lists "S4" twice',
    ),
    (
        "scores name no student",
        _set("posts.1.scores", {"S9": 1}),
        'posts[1] (id "P2"): scores name no student "S9"',
    ),
    (
        "score not a number",
        _set("posts.1.scores", {"S1": "high"}),
        'posts[1] (id "P2"): scores["S1"]: Expected `float`, got `str`',
    ),
    (
        "both ranking and scores",
        _set("posts.0.scores", {"S1": 1}),
        'posts[0] (id "P1"): gives both "ranking" and "scores"',
    ),
    (
        "neither ranking nor scores",
        _set("posts.0.ranking", _DELETE),
        'posts[0] (id "P1"): needs "ranking"',
    ),
    (
        "refused names no student",
        _set("posts.0.refused", ["S7"]),
        'posts[0] (id "P1"): refused names no student "S7"',
    ),
    (
        "bad locality",
        _set("rules.locality", "province"),
        "rules.locality: Invalid enum value 'province'",
    ),
    (
        "missing choices",
        _set("students.1.choices", _DELETE),
        'students[1] (id "S2"): Object missing required field `choices`',
    ),
    (
        "choice not a string",
        _set("students.1.choices", [2]),
        'students[1] (id "S2"): choices[0]: Expected `str`, got `int`',
    ),
    ("id not a string", _set("students.1.id", 2), "students[1]: id: Expected `str`, got `int`"),
    ("empty id", _set("posts.1.id", ""), "posts[1]: id: Expected `str` of length >= 1"),
    (
        "missing county",
        _set("posts.1.county", _DELETE),
        'posts[1] (id "P2"): Object missing required field `county`',
    ),
    (
        "latitude out of range",
        _set("students.0.home", {"lon": 1, "lat": 95}),
        'students[0] (id "S1"): home.lat: Expected `float` <= 90.0',
    ),
    (
        "students not a list",
        _set("students", {"S1": {}}),
        "students: Expected `array`, got `object`",
    ),
    ("missing posts", _set("posts", _DELETE), "instance: Object missing required field `posts`"),
    ("seed not an integer", _set("rules.seed", "x"), "rules.seed: Expected `int`, got `str`"),
]
