"""The reference parse path: decode every value, check record by record, name the culprit.

Plain dicts and loops: slow for 10^6 students (the fast path covers those) but obviously
right, and the only place that words error messages. The fast path falls back to it for
anything unusual, so every invalid instance is reported from here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import msgspec
import numpy as np

from .assemble import assemble, csr_ptr
from .model import I32, Instance, InvalidInstance
from .schema import Doc, Post, Student


def record_name(kind: str, index: int, rec_id: object) -> str:
    if isinstance(rec_id, str) and rec_id:
        return f'{kind}[{index}] (id "{rec_id}")'
    return f"{kind}[{index}]"


def from_doc(doc: Doc, sha256: str) -> Instance:
    """The Instance for a decoded document, or InvalidInstance naming the first bad record."""
    students, posts = doc.students, doc.posts
    s_index = _index("students", students)
    p_index = _index("posts", posts)

    choice_post: list[int] = []
    counts: list[int] = []
    for i, s in enumerate(students):
        seen: set[int] = set()
        for c in s.choices:
            j = p_index.get(c)
            if j is None:
                raise InvalidInstance(
                    record_name("students", i, s.id), f'choice "{c}" names no post'
                )
            if j in seen:
                raise InvalidInstance(
                    record_name("students", i, s.id), f'choice "{c}" is listed twice'
                )
            seen.add(j)
            choice_post.append(j)
        counts.append(len(s.choices))

    given_student: list[int] = []
    given_score: list[float] = []
    given_counts: list[int] = []
    refused_student: list[int] = []
    refused_counts: list[int] = []
    scored: list[bool] = []
    for j, p in enumerate(posts):
        name = record_name("posts", j, p.id)
        entries = _post_entries(p, name, s_index)
        given_student.extend(s for s, _ in entries)
        given_score.extend(v for _, v in entries)
        given_counts.append(len(entries))
        scored.append(not isinstance(p.scores, msgspec.UnsetType))
        for sid in p.refused:
            if sid not in s_index:
                raise InvalidInstance(name, f'refused names no student "{sid}"')
            refused_student.append(s_index[sid])
        refused_counts.append(len(p.refused))

    nan = math.nan
    return assemble(
        student_ids=[s.id for s in students],
        post_ids=[p.id for p in posts],
        student_counties=[s.home_county for s in students],
        post_counties=[p.county for p in posts],
        student_exception=np.array([s.locality_exception for s in students], dtype=bool),
        student_home=np.array(
            [(s.home.lon, s.home.lat) if s.home else (nan, nan) for s in students], dtype=np.float64
        ).reshape(len(students), 2),
        post_location=np.array(
            [(p.location.lon, p.location.lat) if p.location else (nan, nan) for p in posts],
            dtype=np.float64,
        ).reshape(len(posts), 2),
        capacity=np.array([p.capacity for p in posts], dtype=np.int64),
        choice_ptr=csr_ptr(np.array(counts, dtype=np.int64)),
        choice_post=_i32(choice_post),
        given_ptr=csr_ptr(np.array(given_counts, dtype=np.int64)),
        given_student=_i32(given_student),
        given_score=np.array(given_score, dtype=np.float64),
        post_scored=np.array(scored, dtype=bool),
        refused_ptr=csr_ptr(np.array(refused_counts, dtype=np.int64)),
        refused_student=_i32(refused_student),
        locality=doc.rules.locality,
        seed=doc.rules.seed,
        sha256=sha256,
    )


def _i32(values: list[int]) -> I32:
    return np.array(values, dtype=np.int32)


def _index(kind: str, records: Sequence[Student | Post]) -> dict[str, int]:
    index: dict[str, int] = {}
    for i, r in enumerate(records):
        first = index.setdefault(r.id, i)
        if first != i:
            raise InvalidInstance(
                record_name(kind, i, r.id), f"duplicate id (first used by {kind}[{first}])"
            )
    return index


def _post_entries(p: Post, name: str, s_index: dict[str, int]) -> list[tuple[int, float]]:
    """(student, score) in the post's given order; NaN score for a ranking."""
    has_ranking = not isinstance(p.ranking, msgspec.UnsetType)
    has_scores = not isinstance(p.scores, msgspec.UnsetType)
    if has_ranking and has_scores:
        raise InvalidInstance(name, 'gives both "ranking" and "scores"; give one')
    if isinstance(p.ranking, list):
        out: list[tuple[int, float]] = []
        seen: set[int] = set()
        for sid in p.ranking:
            i = s_index.get(sid)
            if i is None:
                raise InvalidInstance(name, f'ranking names no student "{sid}"')
            if i in seen:
                raise InvalidInstance(name, f'ranking lists "{sid}" twice')
            seen.add(i)
            out.append((i, math.nan))
        return out
    if isinstance(p.scores, dict):
        out = []
        for sid, v in p.scores.items():
            i = s_index.get(sid)
            if i is None:
                raise InvalidInstance(name, f'scores name no student "{sid}"')
            if not math.isfinite(v):
                raise InvalidInstance(name, f'score of "{sid}" is not a finite number')
            out.append((i, float(v)))
        return out
    raise InvalidInstance(name, 'needs "ranking" (a list of student ids) or "scores" (id: number)')


# --- msgspec's own errors, reworded to name the record -------------------------------------

_AT = re.compile(r"^(?P<what>.*) - at `\$(?P<path>[^`]*)`$", re.S)
_STEP = re.compile(r"^\.(?P<kind>students|posts)\[(?P<index>\d+)\](?P<rest>.*)$", re.S)
_BYTE = re.compile(r"\(byte (\d+)\)")


def decode_error(exc: msgspec.DecodeError, data: bytes) -> InvalidInstance:
    """Malformed JSON: the parser's message plus line and column."""
    text = str(exc)
    m = _BYTE.search(text)
    if m:
        offset = int(m.group(1))
        line = data.count(b"\n", 0, offset) + 1
        column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
        text = f"{text[: m.start()].rstrip()} at line {line}, column {column} (byte {offset})"
    return InvalidInstance("instance", f"malformed JSON: {text}")


def validation_error(exc: msgspec.ValidationError, lookup: Any) -> InvalidInstance:
    """A type/shape error at `$.students[3].choices[1]` -> `students[3] (id "S4"): choices[1]: ...`.

    `lookup(kind, index)` returns the record as decoded JSON, or None (best effort).
    """
    text = str(exc)
    m = _AT.match(text)
    if not m:
        return InvalidInstance("instance", text)
    what, path = m.group("what"), m.group("path")
    step = _STEP.match(path)
    if not step:
        return InvalidInstance(path.lstrip(".") or "instance", what)
    kind, index, rest = step.group("kind"), int(step.group("index")), step.group("rest").lstrip(".")
    record = lookup(kind, index)
    rec_id = record.get("id") if isinstance(record, dict) else None
    if rest.startswith("scores[...]") and isinstance(record, dict):
        rest = _bad_score_path(record.get("scores"), rest)
    name = record_name(kind, index, rec_id)
    return InvalidInstance(name, f"{rest}: {what}" if rest else what)


def _bad_score_path(scores: object, rest: str) -> str:
    """msgspec reports dict values as `scores[...]`; name the key instead."""
    if isinstance(scores, dict):
        for key, value in scores.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                return f'scores["{key}"]'
    return rest


def raw_id_lookup(data: bytes) -> Any:
    """Records of a document that failed validation, decoding only what is asked."""

    def lookup(kind: str, index: int) -> object:
        try:
            top = msgspec.json.decode(data, type=dict[str, msgspec.Raw])
            items = msgspec.json.decode(top[kind], type=list[msgspec.Raw])
            return msgspec.json.decode(items[index])
        except (msgspec.MsgspecError, KeyError, IndexError):
            return None

    return lookup


def dict_id_lookup(obj: Any) -> Any:
    def lookup(kind: str, index: int) -> object:
        try:
            return obj[kind][index]
        except (KeyError, IndexError, TypeError):
            return None

    return lookup
