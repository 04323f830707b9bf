"""The last step shared by both parse paths: counties to codes, the tie-break, the Instance.

Both paths hand over the same plain pieces (ids, CSR lists as given in the file), so any
difference between them shows up in the property test that compares their Instances.
"""

from __future__ import annotations

import numpy as np

from .model import CITY, F64, I32, I64, Bool, Instance
from .tiebreak import lottery, scored_order


def county_codes(
    student_counties: list[str], post_counties: list[str]
) -> tuple[list[str], I32, I32]:
    """A code table (first use order, "city" always present) and both columns as codes."""
    names = dict.fromkeys([CITY, *dict.fromkeys(student_counties), *dict.fromkeys(post_counties)])
    table = {name: code for code, name in enumerate(names)}

    def encode(column: list[str]) -> I32:
        return np.fromiter(map(table.__getitem__, column), dtype=np.int32, count=len(column))

    return list(table), encode(student_counties), encode(post_counties)


def csr_ptr(counts: I64) -> I64:
    ptr = np.zeros(counts.size + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    return ptr


def assemble(
    *,
    student_ids: list[str],
    post_ids: list[str],
    student_counties: list[str],
    post_counties: list[str],
    student_exception: Bool,
    student_home: F64,
    post_location: F64,
    capacity: I64,
    choice_ptr: I64,
    choice_post: I32,
    given_ptr: I64,
    given_student: I32,
    given_score: F64,
    post_scored: Bool,
    refused_ptr: I64,
    refused_student: I32,
    locality: str,
    seed: int,
    sha256: str,
) -> Instance:
    """`given_*`: per post, its ranking, or its scores' keys and values, in file order."""
    counties, s_county, p_county = county_codes(student_counties, post_counties)
    order_student = given_student
    order_score = given_score
    entry_post = np.repeat(np.arange(len(post_ids), dtype=np.int64), np.diff(given_ptr))
    scored_entries = np.flatnonzero(post_scored[entry_post])
    if scored_entries.size:
        sub_post = entry_post[scored_entries]
        sub_student = given_student[scored_entries].astype(np.int64)
        sub_score = given_score[scored_entries]
        perm = scored_order(
            sub_post,
            sub_student,
            sub_score,
            home=student_home,
            location=post_location,
            lottery_of=lottery(student_ids, seed),
        )
        # Entries stay inside their post's slice: only their order within it changes.
        order_student = given_student.copy()
        order_score = given_score.copy()
        order_student[scored_entries] = sub_student[perm].astype(np.int32)
        order_score[scored_entries] = sub_score[perm]
    return Instance(
        student_ids=student_ids,
        post_ids=post_ids,
        counties=counties,
        student_county=s_county,
        student_exception=student_exception,
        student_home=student_home,
        post_county=p_county,
        post_location=post_location,
        capacity=capacity,
        choice_ptr=choice_ptr,
        choice_post=choice_post,
        order_ptr=given_ptr,
        order_student=order_student,
        order_score=order_score,
        post_scored=post_scored,
        refused_ptr=refused_ptr,
        refused_student=refused_student,
        locality=locality,
        seed=seed,
        sha256=sha256,
    )
