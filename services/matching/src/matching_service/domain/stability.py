"""Check a matching against the instance, independently of the solver.

Plain loops over the instance's own lists (the posts' orders, refusals and the locality rule
are read here again, not taken from the solver's prepared arrays), so a bug in the solver's
vectorised join or rounds cannot hide itself. Linear in the number of choices.
"""

from __future__ import annotations

from .model import CITY, BlockingPair, Instance, Matching

UNDER_CAPACITY = "post under capacity"
HOLDS_WORSE = "post holds a student it ranks lower"


class _Rules:
    """The instance's acceptability, from its raw lists."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self.order_ptr = instance.order_ptr.tolist()
        self.order_student = instance.order_student.tolist()
        self.refused_ptr = instance.refused_ptr.tolist()
        self.refused_student = instance.refused_student.tolist()
        self.county: list[str] = [instance.counties[c] for c in instance.student_county.tolist()]
        self.post_county: list[str] = [instance.counties[c] for c in instance.post_county.tolist()]
        self.exception: list[bool] = instance.student_exception.tolist()
        self.home_only = instance.locality == "home-county"
        self._rank: dict[int, dict[int, int]] = {}
        self._refused: dict[int, set[int]] = {}

    def rank(self, post: int) -> dict[int, int]:
        if post not in self._rank:
            lo, hi = self.order_ptr[post], self.order_ptr[post + 1]
            self._rank[post] = {s: r for r, s in enumerate(self.order_student[lo:hi])}
        return self._rank[post]

    def refused(self, post: int) -> set[int]:
        if post not in self._refused:
            lo, hi = self.refused_ptr[post], self.refused_ptr[post + 1]
            self._refused[post] = set(self.refused_student[lo:hi])
        return self._refused[post]

    def allowed(self, student: int, post: int) -> bool:
        if not self.home_only or self.exception[student]:
            return True
        county = self.post_county[post]
        return county in (CITY, self.county[student])

    def acceptable_rank(self, student: int, post: int) -> int | None:
        """The post's rank of the student if the pair may be matched, else None."""
        if not self.allowed(student, post) or student in self.refused(post):
            return None
        return self.rank(post).get(student)


def check_matching(instance: Instance, matching: Matching) -> list[str]:
    """Problems that make the matching infeasible: a placement the student did not choose,
    a student the post does not accept or may not take (属地管理), a post over capacity."""
    rules = _Rules(instance)
    problems: list[str] = []
    assigned = matching.post.tolist()
    choice_ptr = instance.choice_ptr.tolist()
    choice_post = instance.choice_post.tolist()
    count = [0] * instance.n_posts
    for s, p in enumerate(assigned):
        if p < 0:
            continue
        count[p] += 1
        sid, pid = instance.student_ids[s], instance.post_ids[p]
        if p not in choice_post[choice_ptr[s] : choice_ptr[s + 1]]:
            problems.append(f"{sid} placed in {pid}, which they did not choose")
        elif rules.acceptable_rank(s, p) is None:
            problems.append(f"{sid} placed in {pid}, which may not take them")
    capacity = instance.capacity.tolist()
    for p, c in enumerate(count):
        if c > capacity[p]:
            problems.append(f"{instance.post_ids[p]} holds {c} students, capacity {capacity[p]}")
    return problems


def check_stability(instance: Instance, matching: Matching) -> list[BlockingPair]:
    """Every (student, post) pair that blocks the matching, in input order of students."""
    rules = _Rules(instance)
    assigned = matching.post.tolist()
    capacity = instance.capacity.tolist()
    held: list[list[int]] = [[] for _ in range(instance.n_posts)]
    for s, p in enumerate(assigned):
        if p >= 0:
            held[p].append(s)
    worst: dict[int, int] = {}

    def worst_rank(post: int) -> int:
        if post not in worst:
            rank = rules.rank(post)
            worst[post] = max((rank.get(s, -1) for s in held[post]), default=-1)
        return worst[post]

    choice_ptr = instance.choice_ptr.tolist()
    choice_post = instance.choice_post.tolist()
    blocking: list[BlockingPair] = []
    for s in range(instance.n_students):
        mine = assigned[s]
        for p in choice_post[choice_ptr[s] : choice_ptr[s + 1]]:
            if p == mine:
                break  # the rest are worse for the student
            r = rules.acceptable_rank(s, p)
            if r is None:
                continue
            if len(held[p]) < capacity[p]:
                reason = UNDER_CAPACITY
            elif held[p] and worst_rank(p) > r:
                reason = HOLDS_WORSE
            else:
                continue
            blocking.append(BlockingPair(instance.student_ids[s], instance.post_ids[p], reason))
    return blocking
