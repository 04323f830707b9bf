"""The solver's output: feasible, stable, student-optimal, and the anchor's answer."""

from __future__ import annotations

import itertools
import random
import sys
import threading
from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from matching_cases import QUICK, instances

from matching_service.domain import (
    Instance,
    Matching,
    check_matching,
    check_stability,
    matching_from_dict,
    parse_instance,
    solve,
)
from matching_service.domain.solver import acceptable_ranks, order_ranks


def _acceptable_choices(inst: Instance) -> list[list[int]]:
    """Per student, the posts they may be matched with, best first (from the solver's ranks)."""
    rank = acceptable_ranks(inst)
    out = []
    for s in range(inst.n_students):
        lo, hi = inst.choice_ptr[s], inst.choice_ptr[s + 1]
        out.append(
            [int(p) for p, r in zip(inst.choice_post[lo:hi], rank[lo:hi], strict=True) if r >= 0]
        )
    return out


@QUICK
@given(instances())
def test_matching_is_feasible_and_stable(doc: dict[str, Any]) -> None:
    inst = parse_instance(doc)
    m = solve(inst)
    assert check_matching(inst, m) == []
    assert check_stability(inst, m) == []


@QUICK
@given(instances())
def test_capacities_and_locality_hold(doc: dict[str, Any]) -> None:
    inst = parse_instance(doc)
    result = solve(inst).as_dict(inst)
    students = {s["id"]: s for s in doc["students"]}
    posts = {p["id"]: p for p in doc["posts"]}
    for pid, post in posts.items():
        assert sum(1 for p in result.values() if p == pid) <= post["capacity"]
    for sid, pid in result.items():
        s, p = students[sid], posts[pid]
        assert pid in s["choices"]
        assert sid not in p.get("refused", [])
        assert sid in p.get("ranking", p.get("scores", {}))
        if doc["rules"]["locality"] == "home-county" and not s.get("locality_exception"):
            assert p["county"] in (s["home_county"], "city")


def _stable_matchings(inst: Instance) -> list[list[int]]:
    """Every stable matching, by brute force over all feasible ones."""
    options = [[-1, *posts] for posts in _acceptable_choices(inst)]
    found = []
    for combo in itertools.product(*options):
        counts = np.bincount([p for p in combo if p >= 0], minlength=inst.n_posts)
        if (counts > inst.capacity).any():
            continue
        m = Matching(post=np.array(combo, dtype=np.int32), proposals=-1)
        if not check_stability(inst, m):
            found.append(list(combo))
    return found


@QUICK
@given(instances(max_students=5, max_posts=3, max_choices=3))
def test_student_optimal_by_brute_force(doc: dict[str, Any]) -> None:
    inst = parse_instance(doc)
    ours = solve(inst).post.tolist()
    stable = _stable_matchings(inst)
    assert ours in stable
    choices = _acceptable_choices(inst)

    def place(s: int, p: int) -> int:  # lower is better; unmatched is worst
        return choices[s].index(p) if p >= 0 else len(choices[s])

    for other in stable:
        for s in range(inst.n_students):
            assert place(s, ours[s]) <= place(s, other[s])


def _anchor(inst: Instance) -> dict[str, str]:
    """The `matching` package's resident-optimal HospitalResident answer.

    It needs hospitals to rank exactly the residents who ranked them, and breaks on capacity 0
    (its issue #112) and on empty lists, so only acceptable pairs go in. Its constructor's deep
    copy recurses per player (issue #139): run it with a high limit on a big-stack thread.
    """
    from matching.games import HospitalResident

    choices = _acceptable_choices(inst)
    choices = [[p for p in ps if inst.capacity[p] > 0] for ps in choices]
    sids, pids = inst.student_ids, inst.post_ids
    residents = {sids[s]: [pids[p] for p in ps] for s, ps in enumerate(choices) if ps}
    applied: dict[int, set[int]] = {}
    for s, ps in enumerate(choices):
        for p in ps:
            applied.setdefault(p, set()).add(s)
    hospitals = {
        pids[p]: [sids[s] for s in inst.order_of(p).tolist() if s in who]
        for p, who in applied.items()
    }
    if not residents:
        return {}
    capacities = {pids[p]: int(inst.capacity[p]) for p in applied}
    out: dict[str, str] = {}
    errors: list[BaseException] = []

    def run() -> None:
        try:
            game = HospitalResident.create_from_dictionaries(residents, hospitals, capacities)
            solution = game.solve(optimal="resident")
            out.update({r.name: h.name for h, rs in solution.items() for r in rs})
        except BaseException as exc:
            errors.append(exc)

    limit, stack = sys.getrecursionlimit(), threading.stack_size()
    sys.setrecursionlimit(max(limit, 50_000))
    threading.stack_size(256 * 1024 * 1024)
    try:
        worker = threading.Thread(target=run)
        worker.start()
        worker.join()
    finally:
        threading.stack_size(stack)
        sys.setrecursionlimit(limit)
    if errors:
        raise errors[0]
    return out


@QUICK
@given(instances(max_students=10, max_posts=5))
def test_agrees_with_the_matching_package(doc: dict[str, Any]) -> None:
    inst = parse_instance(doc)
    assert solve(inst).as_dict(inst) == _anchor(inst)


@QUICK
@given(instances(max_students=10, max_posts=5), st.randoms(use_true_random=False))
def test_record_order_does_not_matter(doc: dict[str, Any], rnd: random.Random) -> None:
    """Same matching when students and posts are listed in another order (the lottery hangs
    on ids, not positions; DA does not depend on who proposes first)."""
    inst = parse_instance(doc)
    shuffled = {**doc, "students": rnd.sample(doc["students"], len(doc["students"]))}
    shuffled["posts"] = rnd.sample(doc["posts"], len(doc["posts"]))
    other = parse_instance(shuffled)
    assert solve(other).as_dict(other) == solve(inst).as_dict(inst)


def test_a_worked_example() -> None:
    # S1 and S2 both want P1 (one seat), which prefers S2; S1 falls back to P2.
    # S3 is refused by P2 and ranked by nobody else: unmatched.
    doc = {
        "students": [
            {"id": "S1", "home_county": "A", "choices": ["P1", "P2"]},
            {"id": "S2", "home_county": "A", "choices": ["P1"]},
            {"id": "S3", "home_county": "A", "choices": ["P2"]},
        ],
        "posts": [
            {"id": "P1", "county": "A", "capacity": 1, "ranking": ["S2", "S1"]},
            {"id": "P2", "county": "A", "capacity": 2, "ranking": ["S3", "S1"], "refused": ["S3"]},
        ],
    }
    inst = parse_instance(doc)
    m = solve(inst)
    assert m.as_dict(inst) == {"S1": "P2", "S2": "P1"}
    assert m.unmatched(inst) == ["S3"]
    assert m.proposals == 2 + 1 + 1  # S1 tried P1 then P2; S2 P1; S3 P2


def test_home_county_rule_and_exception() -> None:
    doc = {
        "students": [
            {"id": "S1", "home_county": "A", "choices": ["PB", "PC"]},
            {"id": "S2", "home_county": "A", "choices": ["PB"], "locality_exception": True},
        ],
        "posts": [
            {"id": "PB", "county": "B", "capacity": 5, "ranking": ["S1", "S2"]},
            {"id": "PC", "county": "city", "capacity": 5, "ranking": ["S1"]},
        ],
        "rules": {"locality": "home-county"},
    }
    inst = parse_instance(doc)
    assert solve(inst).as_dict(inst) == {"S1": "PC", "S2": "PB"}
    doc["rules"] = {"locality": "any"}
    inst = parse_instance(doc)
    assert solve(inst).as_dict(inst) == {"S1": "PB", "S2": "PB"}


def test_capacity_zero_takes_nobody() -> None:
    doc = {
        "students": [{"id": "S1", "home_county": "A", "choices": ["P0", "P1"]}],
        "posts": [
            {"id": "P0", "county": "A", "capacity": 0, "ranking": ["S1"]},
            {"id": "P1", "county": "A", "capacity": 1, "ranking": ["S1"]},
        ],
    }
    inst = parse_instance(doc)
    assert solve(inst).as_dict(inst) == {"S1": "P1"}


def test_generated_season_is_stable_and_matches_anchor() -> None:
    from matching_service.domain.generate import GeneratorConfig, generate_instance

    doc = generate_instance(300, 120, GeneratorConfig(seed=7))
    inst = parse_instance(doc)
    m = solve(inst)
    assert check_matching(inst, m) == []
    assert check_stability(inst, m) == []
    assert m.as_dict(inst) == _anchor(inst)
    assert matching_from_dict(inst, m.as_dict(inst)).post.tolist() == m.post.tolist()


@QUICK
@given(instances(max_students=12, max_posts=6, max_choices=6))
def test_the_three_rank_joins_agree(doc: dict[str, Any]) -> None:
    inst = parse_instance(doc)
    expected = []
    for s in range(inst.n_students):
        for p in inst.choices_of(s).tolist():
            order = inst.order_of(p).tolist()
            expected.append(order.index(s) if s in order else -1)
    for method in ("matrix", "sort", "hash"):
        assert order_ranks(inst, method).tolist() == expected, method


def test_long_choice_lists_take_the_sort_join() -> None:
    posts = [{"id": f"P{j}", "county": "A", "capacity": 1, "ranking": ["S1"]} for j in range(40)]
    doc = {
        "students": [{"id": "S1", "home_county": "A", "choices": [f"P{j}" for j in range(40)]}],
        "posts": posts,
    }
    inst = parse_instance(doc)
    assert order_ranks(inst).tolist() == [0] * 40
    assert solve(inst).as_dict(inst) == {"S1": "P0"}


@QUICK
@given(instances())
def test_progress_hook_counts_settled_students_up_to_all(doc: dict[str, Any]) -> None:
    inst = parse_instance(doc)
    seen: list[tuple[str, int, int]] = []
    with_hook = solve(inst, lambda phase, done, total: seen.append((phase, done, total)))
    assert with_hook.as_dict(inst) == solve(inst).as_dict(inst)  # the hook changes nothing
    assert seen[-1] == ("solve", inst.n_students, inst.n_students)
    done = [d for _, d, _ in seen]
    assert done == sorted(done) and {p for p, _, _ in seen} == {"solve"}


def test_progress_hook_may_stop_the_solve() -> None:
    class Stop(Exception):
        pass

    def stop(phase: str, done: int, total: int) -> None:
        raise Stop

    doc = {
        "students": [{"id": "S1", "home_county": "A", "choices": ["P1"]}],
        "posts": [{"id": "P1", "county": "A", "capacity": 1, "ranking": ["S1"]}],
    }
    try:
        solve(parse_instance(doc), stop)
    except Stop:
        return
    raise AssertionError("the hook's exception did not stop the solve")


def _lists_over(posts: list[str]) -> list[list[str]]:
    """Every choice list a student could submit over ``posts``: each ordered subset."""
    return [
        list(order)
        for k in range(len(posts) + 1)
        for subset in itertools.combinations(posts, k)
        for order in itertools.permutations(subset)
    ]


@QUICK
@given(instances(max_students=4, max_posts=3, max_choices=3))
def test_no_student_gains_by_ranking_untruthfully(doc: dict[str, Any]) -> None:
    """Strategy-proofness for students: whatever list a student submits instead of their true
    one, they get no post they truly prefer to the one the truthful list gives them."""
    truthful = solve(parse_instance(doc)).as_dict(parse_instance(doc))
    posts = [p["id"] for p in doc["posts"]]
    for k, student in enumerate(doc["students"]):
        true_list: list[str] = student["choices"]
        got = truthful.get(student["id"])
        # Posts the student truly prefers to what they got (all of their list if unplaced).
        better = true_list[: true_list.index(got)] if got else true_list
        for lie in _lists_over(posts):
            if lie == true_list:
                continue
            lying = {**doc, "students": list(doc["students"])}
            lying["students"][k] = {**student, "choices": lie}
            inst = parse_instance(lying)
            assert solve(inst).as_dict(inst).get(student["id"]) not in better, (student, lie)
