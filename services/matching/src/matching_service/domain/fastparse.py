"""The fast parse path for big files: raw id lists, numpy scans and hash tables.

msgspec decodes the records but leaves choices, rankings, scores and refusals as raw JSON;
`tokens` cuts those into byte tokens and `hashing.IdIndex` maps them to positions. Anything
unusual (an escape, a duplicate, an unknown id, a hash collision, a type error) returns None
and the caller re-parses on the reference path, which accepts it or names the bad record.
The result must equal the reference path's Instance exactly (tested).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from operator import attrgetter
from typing import Any

import msgspec
import numpy as np
from msgspec import Raw

from .assemble import assemble, csr_ptr
from .hashing import IdIndex
from .model import F64, I64, Instance
from .schema import Point, RawDoc
from .tokens import Tokens, scan_number_objects, scan_string_arrays


def _has_duplicate_pairs(row: I64, col: I64, n_cols: int) -> bool:
    keys = np.sort(row * max(n_cols, 1) + col)
    return bool((keys[1:] == keys[:-1]).any())


def _rows(ptr: I64) -> I64:
    return np.repeat(np.arange(ptr.size - 1, dtype=np.int64), np.diff(ptr))


def _map(tokens: Tokens, index: IdIndex) -> I64 | None:
    found = index.lookup(tokens.buf, tokens.start, tokens.length)
    return None if (found < 0).any() else found


def _column(records: list[Any], name: str, dtype: type) -> np.ndarray:
    return np.fromiter(map(attrgetter(name), records), dtype=dtype, count=len(records))


def _points(points: list[Point | None]) -> F64:
    """(lon, lat) rows, NaN where absent; attribute reads in C (`attrgetter`), not Python."""
    out = np.full((len(points), 2), np.nan)
    present = [p for p in points if p is not None]
    where = np.fromiter((p is not None for p in points), dtype=bool, count=len(points))
    out[where, 0] = _column(present, "lon", np.float64)
    out[where, 1] = _column(present, "lat", np.float64)
    return out


def parse_fast(data: bytes, sha256: str) -> Instance | None:
    try:
        doc = msgspec.json.decode(data, type=RawDoc)
    except msgspec.MsgspecError:
        return None
    students, posts = doc.students, doc.posts
    n_s, n_p = len(students), len(posts)
    student_ids = list(map(attrgetter("id"), students))
    post_ids = list(map(attrgetter("id"), posts))
    if "\0" in "".join(student_ids) or "\0" in "".join(post_ids):
        return None
    # Take every column out of the records now and drop the records (a third of the peak
    # memory): from here on only the raw id lists are needed.
    student_counties = list(map(attrgetter("home_county"), students))
    post_counties = list(map(attrgetter("county"), posts))
    exception = _column(students, "locality_exception", bool)
    home = _points(list(map(attrgetter("home"), students)))
    location = _points(list(map(attrgetter("location"), posts)))
    capacity = _column(posts, "capacity", np.int64)
    choice_parts = list(map(attrgetter("choices"), students))
    ranking_parts = list(map(attrgetter("ranking"), posts))
    score_parts = list(map(attrgetter("scores"), posts))
    refused_parts = list(map(attrgetter("refused"), posts))
    rules = doc.rules
    del doc, students, posts

    s_index, p_index = IdIndex(student_ids), IdIndex(post_ids)
    if s_index.duplicates.size or p_index.duplicates.size:
        return None
    # Choices and rankings are independent and mostly numpy work, which releases the GIL:
    # on two idle cores they overlap.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(_given_orders, ranking_parts, score_parts, s_index, n_s)
        choices = scan_string_arrays(choice_parts)
        choice_post = None if choices is None else _map(choices, p_index)
        choice_ptr = None if choices is None else choices.ptr
        del choices, choice_parts
        given = pending.result()
    if choice_ptr is None or choice_post is None or given is None:
        return None
    if _has_duplicate_pairs(_rows(choice_ptr), choice_post, n_p):
        return None
    given_ptr, given_student, given_score, scored = given

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

    return assemble(
        student_ids=student_ids,
        post_ids=post_ids,
        student_counties=student_counties,
        post_counties=post_counties,
        student_exception=exception,
        student_home=home,
        post_location=location,
        capacity=capacity,
        choice_ptr=choice_ptr,
        choice_post=choice_post.astype(np.int32),
        given_ptr=given_ptr,
        given_student=given_student.astype(np.int32),
        given_score=given_score,
        post_scored=scored,
        refused_ptr=refused_ptr,
        refused_student=refused_student.astype(np.int32),
        locality=rules.locality,
        seed=rules.seed,
        sha256=sha256,
    )


def _given_orders(
    ranking_parts: list[Raw], score_parts: list[Raw], s_index: IdIndex, n_s: int
) -> tuple[I64, I64, F64, np.ndarray] | None:
    """Per post, its ranking or its scores' keys (file order), as one CSR list."""
    n_p = len(ranking_parts)
    has_ranking = np.fromiter(map(len, ranking_parts), np.int64, n_p) > 0
    has_scores = np.fromiter(map(len, score_parts), np.int64, n_p) > 0
    if (has_ranking == has_scores).any():  # both, or neither: the reference path words it
        return None
    ranked = np.flatnonzero(has_ranking)
    scored = np.flatnonzero(has_scores)
    counts = np.zeros(n_p, dtype=np.int64)
    parts: list[tuple[np.ndarray, I64, F64]] = []
    if ranked.size:
        tokens = scan_string_arrays([ranking_parts[j] for j in ranked.tolist()])
        if tokens is None or (who := _map(tokens, s_index)) is None:
            return None
        counts[ranked] = np.diff(tokens.ptr)
        parts.append((ranked, who, np.full(who.size, np.nan)))
    if scored.size:
        found = scan_number_objects([score_parts[j] for j in scored.tolist()])
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
