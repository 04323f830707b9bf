"""Hypothesis strategies for small matching instances (contract-4 dicts), shared by the tests.

Small on purpose: shrinking finds minimal counter-examples, and brute force stays feasible.
Values are drawn from tiny pools so that ties, refusals, capacity 0, unranked applicants,
rankings of students who did not apply, and county clashes all happen often.
"""

from __future__ import annotations

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
