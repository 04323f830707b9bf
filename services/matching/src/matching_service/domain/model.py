"""The validated instance and the matching, as flat integer arrays.

Students and posts are numbered by their position in the input; every list (a student's
choices, a post's preference order, its refusals) is a CSR pair `(ptr, values)`: the entries of
row i are `values[ptr[i]:ptr[i + 1]]`. Flat arrays keep a 10^6-student season in a few hundred
megabytes and let the solver work on whole arrays at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]
F64 = npt.NDArray[np.float64]
Bool = npt.NDArray[np.bool_]

CITY: Final = "city"  # a post's county for 市直 posts, open to students of every county
LOCALITIES: Final = ("any", "home-county")
DEFAULT_SEED: Final = 2022  # rules.seed when the instance gives none (docs/matching.md)


class InvalidInstance(ValueError):
    """The instance breaks the contract; `record` names the offending record."""

    def __init__(self, record: str, problem: str) -> None:
        super().__init__(f"{record}: {problem}")
        self.record = record
        self.problem = problem


@dataclass(frozen=True, eq=False)
class Instance:
    """A valid matching instance (see `parse_instance`)."""

    student_ids: list[str]
    post_ids: list[str]
    counties: list[str]  # code table for student_county and post_county
    student_county: I32
    student_exception: Bool  # locality_exception: the coordinator lifted 属地管理
    student_home: F64  # (n_students, 2) lon, lat; NaN where not given
    post_county: I32
    post_location: F64  # (n_posts, 2) lon, lat; NaN where not given
    capacity: I64
    choice_ptr: I64  # student -> choices (post indices), best first
    choice_post: I32
    order_ptr: I64  # post -> students in its preference order, best first
    order_student: I32
    order_score: F64  # aligned with order_student; NaN for posts that gave a ranking
    post_scored: Bool  # the post gave `scores` (its order is the tie-broken score order)
    refused_ptr: I64  # post -> refused students (不录用), as given
    refused_student: I32
    locality: str
    seed: int
    sha256: str

    @property
    def n_students(self) -> int:
        return len(self.student_ids)

    @property
    def n_posts(self) -> int:
        return len(self.post_ids)

    @property
    def city_code(self) -> int:
        """The code of "city" in `counties`, or -1 when no record uses it."""
        try:
            return self.counties.index(CITY)
        except ValueError:
            return -1

    def choices_of(self, student: int) -> I32:
        return self.choice_post[self.choice_ptr[student] : self.choice_ptr[student + 1]]

    def order_of(self, post: int) -> I32:
        return self.order_student[self.order_ptr[post] : self.order_ptr[post + 1]]

    def refused_of(self, post: int) -> I32:
        return self.refused_student[self.refused_ptr[post] : self.refused_ptr[post + 1]]


@dataclass(frozen=True, eq=False)
class Matching:
    """`post[s]` is the post index student s is placed in, or -1."""

    post: I32
    proposals: int

    def placed(self) -> int:
        return int(np.count_nonzero(self.post >= 0))

    def as_dict(self, instance: Instance) -> dict[str, str]:
        """{student id: post id} for placed students, in input order."""
        placed = np.flatnonzero(self.post >= 0)
        sids, pids = instance.student_ids, instance.post_ids
        return {
            sids[s]: pids[p]
            for s, p in zip(placed.tolist(), self.post[placed].tolist(), strict=True)
        }

    def unmatched(self, instance: Instance) -> list[str]:
        sids = instance.student_ids
        return [sids[s] for s in np.flatnonzero(self.post < 0).tolist()]


@dataclass(frozen=True, order=True)
class BlockingPair:
    """Student and post that both prefer each other to what the matching gives them."""

    student: str
    post: str
    reason: str  # "post under capacity" or "post holds a student it ranks lower"


def matching_from_dict(instance: Instance, assignments: dict[str, str]) -> Matching:
    """A Matching from {student id: post id} (e.g. another solver's answer); unknown ids raise."""
    s_index = {s: i for i, s in enumerate(instance.student_ids)}
    p_index = {p: j for j, p in enumerate(instance.post_ids)}
    post = np.full(instance.n_students, -1, dtype=np.int32)
    for s, p in assignments.items():
        post[s_index[s]] = p_index[p]
    return Matching(post=post, proposals=-1)
