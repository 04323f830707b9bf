"""The fast parse path for big files: raw id lists, numpy scans and hash tables.

msgspec decodes the records but leaves choices, rankings, scores and refusals as raw JSON;
`tokens` cuts those into byte tokens and `hashing.IdIndex` maps them to positions. Anything
unusual (an escape, a duplicate, an unknown id, a hash collision, a type error) returns None
and the caller re-parses on the reference path, which accepts it or names the bad record.
The result must equal the reference path's Instance exactly (tested).
"""

from __future__ import annotations

import math

import msgspec
import numpy as np

from .assemble import assemble, csr_ptr
from .hashing import IdIndex
from .model import F64, I64, Instance
from .schema import RawDoc, RawPost
from .tokens import Tokens, scan_number_objects, scan_string_arrays


def _has_duplicate_pairs(row: I64, col: I64, n_cols: int) -> bool:
    keys = np.sort(row * max(n_cols, 1) + col)
    return bool((keys[1:] == keys[:-1]).any())


def _rows(ptr: I64) -> I64:
    return np.repeat(np.arange(ptr.size - 1, dtype=np.int64), np.diff(ptr))


def _map(tokens: Tokens, index: IdIndex) -> I64 | None:
    found = index.lookup(tokens.buf, tokens.start, tokens.length)
    return None if (found < 0).any() else found


def _points(points: list[tuple[float, float]]) -> F64:
    return np.array(points, dtype=np.float64).reshape(len(points), 2)


def parse_fast(data: bytes, sha256: str) -> Instance | None:
    try:
        doc = msgspec.json.decode(data, type=RawDoc)
    except msgspec.MsgspecError:
        return None
    students, posts = doc.students, doc.posts
    n_s, n_p = len(students), len(posts)
    student_ids = [s.id for s in students]
    post_ids = [p.id for p in posts]
    if "\0" in "".join(student_ids) or "\0" in "".join(post_ids):
        return None
    s_index, p_index = IdIndex(student_ids), IdIndex(post_ids)
    if s_index.duplicates.size or p_index.duplicates.size:
        return None

    choices = scan_string_arrays([s.choices for s in students])
    if choices is None or (choice_post := _map(choices, p_index)) is None:
        return None
    if _has_duplicate_pairs(_rows(choices.ptr), choice_post, n_p):
        return None

    given = _given_orders(posts, s_index, n_s)
    if given is None:
        return None
    given_ptr, given_student, given_score, scored = given

    refused_parts = [p.refused for p in posts]
    refused_ptr = np.zeros(n_p + 1, dtype=np.int64)
    refused_student = np.zeros(0, dtype=np.int64)
    with_refused = [j for j, r in enumerate(refused_parts) if len(r)]
    if with_refused:
        refused = scan_string_arrays([refused_parts[j] for j in with_refused])
        who = None if refused is None else _map(refused, s_index)
        if refused is None or who is None:
            return None
        refused_student = who
        counts = np.zeros(n_p, dtype=np.int64)
        counts[with_refused] = np.diff(refused.ptr)
        refused_ptr = csr_ptr(counts)

    nan = (math.nan, math.nan)
    return assemble(
        student_ids=student_ids,
        post_ids=post_ids,
        student_counties=[s.home_county for s in students],
        post_counties=[p.county for p in posts],
        student_exception=np.fromiter(
            (s.locality_exception for s in students), dtype=bool, count=n_s
        ),
        student_home=_points([(h.lon, h.lat) if (h := s.home) else nan for s in students]),
        post_location=_points([(q.lon, q.lat) if (q := p.location) else nan for p in posts]),
        capacity=np.fromiter((p.capacity for p in posts), dtype=np.int64, count=n_p),
        choice_ptr=choices.ptr,
        choice_post=choice_post.astype(np.int32),
        given_ptr=given_ptr,
        given_student=given_student.astype(np.int32),
        given_score=given_score,
        post_scored=scored,
        refused_ptr=refused_ptr,
        refused_student=refused_student.astype(np.int32),
        locality=doc.rules.locality,
        seed=doc.rules.seed,
        sha256=sha256,
    )


def _given_orders(
    posts: list[RawPost], s_index: IdIndex, n_s: int
) -> tuple[I64, I64, F64, np.ndarray] | None:
    """Per post, its ranking or its scores' keys (file order), as one CSR list."""
    n_p = len(posts)
    has_ranking = np.fromiter((len(p.ranking) > 0 for p in posts), dtype=bool, count=n_p)
    has_scores = np.fromiter((len(p.scores) > 0 for p in posts), dtype=bool, count=n_p)
    if (has_ranking == has_scores).any():  # both, or neither: the reference path words it
        return None
    ranked = np.flatnonzero(has_ranking)
    scored = np.flatnonzero(has_scores)
    counts = np.zeros(n_p, dtype=np.int64)
    parts: list[tuple[np.ndarray, I64, F64]] = []
    if ranked.size:
        tokens = scan_string_arrays([posts[j].ranking for j in ranked.tolist()])
        if tokens is None or (who := _map(tokens, s_index)) is None:
            return None
        counts[ranked] = np.diff(tokens.ptr)
        parts.append((ranked, who, np.full(who.size, np.nan)))
    if scored.size:
        found = scan_number_objects([posts[j].scores for j in scored.tolist()])
        if found is None:
            return None
        tokens, values = found
        if (who := _map(tokens, s_index)) is None or not np.isfinite(values).all():
            return None
        counts[scored] = np.diff(tokens.ptr)
        parts.append((scored, who, values))
    ptr = csr_ptr(counts)
    student = np.zeros(int(ptr[-1]), dtype=np.int64)
    score = np.full(int(ptr[-1]), np.nan)
    for which, who, values in parts:
        # Scatter each group's entries into its posts' slices, keeping their order.
        sizes = counts[which]
        local = np.arange(who.size) - np.repeat(csr_ptr(sizes)[:-1], sizes)
        dest = np.repeat(ptr[which], sizes) + local
        student[dest] = who
        score[dest] = values
    if _has_duplicate_pairs(_rows(ptr), student, n_s):  # ranking twice / a repeated score key
        return None
    return ptr, student, score, has_scores
