"""Parsing: both paths agree, invalid instances are refused naming the record."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from typing import Any

import numpy as np
import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from matching_cases import INVALID, QUICK, instances, valid_instance

from matching_service.domain import DEFAULT_SEED, Instance, InvalidInstance, parse_instance
from matching_service.domain.fastparse import parse_fast
from matching_service.domain.hashing import IdIndex, pack_strings

FIELDS = [
    "student_ids",
    "post_ids",
    "counties",
    "locality",
    "seed",
]
ARRAYS = [
    "student_county",
    "student_exception",
    "student_home",
    "post_county",
    "post_location",
    "capacity",
    "choice_ptr",
    "choice_post",
    "order_ptr",
    "order_student",
    "order_score",
    "post_scored",
    "refused_ptr",
    "refused_student",
]


def assert_same(a: Instance, b: Instance) -> None:
    for name in FIELDS:
        assert getattr(a, name) == getattr(b, name), name
    for name in ARRAYS:
        x, y = getattr(a, name), getattr(b, name)
        assert x.shape == y.shape, name
        assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), name


def _dumps_spaced(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode()


def _dumps_indented(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, indent=2).encode()  # ensure_ascii: non-ASCII ids become \\u escapes


def _with_unknown_fields(doc: dict[str, Any]) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    doc["version"] = {"nested": [1, "x", None, {"deep": True}]}
    for s in doc["students"]:
        s["school"] = {"name": "太原理工大学", "tags": ["a", ["b"]]}
    for p in doc["posts"]:
        p["title"] = '社区服务 [2025], "summer"'
        p["dates"] = ["2025-07-01", "2025-08-31"]
    doc["rules"]["future_rule"] = [1.5, {"x": "y"}]
    return doc


SERIALISERS: list[Callable[[dict[str, Any]], bytes]] = [
    orjson.dumps,
    _dumps_spaced,
    _dumps_indented,
]
ODD_IDS = st.text(
    alphabet=st.sampled_from(list('SP0123456789"\\,[]{}: 阳泉é\t')), min_size=1, max_size=20
)


@QUICK
@given(instances(), st.sampled_from(SERIALISERS), st.booleans())
def test_fast_path_equals_reference_path(
    doc: dict[str, Any], dumps: Callable[[dict[str, Any]], bytes], extra: bool
) -> None:
    data = dumps(_with_unknown_fields(doc) if extra else doc)
    assert_same(parse_instance(data, fast=True), parse_instance(data, fast=False))


@QUICK
@given(instances(ids=ODD_IDS), st.sampled_from(SERIALISERS))
def test_fast_path_equals_reference_path_for_odd_ids(
    doc: dict[str, Any], dumps: Callable[[dict[str, Any]], bytes]
) -> None:
    # Quotes, backslashes, brackets, non-ASCII, ids longer than one 8-byte word.
    data = dumps(doc)
    assert_same(parse_instance(data, fast=True), parse_instance(data, fast=False))


@QUICK
@given(instances(), st.sampled_from([orjson.dumps, _dumps_spaced]))
def test_fast_path_really_takes_plain_files(
    doc: dict[str, Any], dumps: Callable[[dict[str, Any]], bytes]
) -> None:
    # Otherwise the equality above could hold by always falling back.
    assert parse_fast(dumps(doc), "") is not None


@QUICK
@given(instances())
def test_dict_and_bytes_give_the_same_instance(doc: dict[str, Any]) -> None:
    from_bytes = parse_instance(orjson.dumps(doc))
    assert_same(parse_instance(doc), from_bytes)
    assert from_bytes.sha256 == hashlib.sha256(orjson.dumps(doc)).hexdigest()


def test_defaults() -> None:
    inst = parse_instance(
        {"students": [], "posts": [{"id": "P1", "county": "A", "capacity": 0, "ranking": []}]}
    )
    assert (inst.locality, inst.seed) == ("any", DEFAULT_SEED)


def test_ranking_may_list_students_who_did_not_apply() -> None:
    doc = {
        "students": [
            {"id": "S1", "home_county": "A", "choices": ["P1"]},
            {"id": "S2", "home_county": "A", "choices": []},
        ],
        "posts": [{"id": "P1", "county": "A", "capacity": 1, "ranking": ["S2", "S1"]}],
    }
    assert parse_instance(doc).order_of(0).tolist() == [1, 0]


# --- invalid instances ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mutate", "message"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID]
)
@pytest.mark.parametrize("fast", [True, False], ids=["fast", "reference"])
def test_invalid_instances_name_the_record(
    mutate: Callable[[dict[str, Any]], None], message: str, fast: bool
) -> None:
    doc = valid_instance()
    parse_instance(doc)  # the base is valid: the mutation alone breaks it
    mutate(doc)
    with pytest.raises(InvalidInstance) as caught:
        parse_instance(orjson.dumps(doc), fast=fast)
    assert str(caught.value).startswith(message), str(caught.value)
    with pytest.raises(InvalidInstance) as from_dict:
        parse_instance(doc)
    assert str(from_dict.value).startswith(message), str(from_dict.value)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b'{"students": [}',
            "instance: malformed JSON: JSON is malformed: invalid character at line 1, column 15",
        ),
        (b'{"students": [],\n "posts": [', "instance: malformed JSON: Input data was truncated"),
        (b"", "instance: malformed JSON: Input data was truncated"),
        (b"\xff\xfe", "instance: malformed JSON"),
        (b"[1, 2]", "instance: Expected `object`, got `array`"),
    ],
)
def test_malformed_json(data: bytes, message: str) -> None:
    for fast in (True, False):
        with pytest.raises(InvalidInstance) as caught:
            parse_instance(data, fast=fast)
        assert str(caught.value).startswith(message), str(caught.value)


def test_non_finite_score_from_a_dict() -> None:
    doc = valid_instance()
    doc["posts"][1]["scores"]["S1"] = float("nan")
    with pytest.raises(
        InvalidInstance, match=r'posts\[1\] \(id "P2"\): score of "S1" is not a finite'
    ):
        parse_instance(doc)


# --- hashing ----------------------------------------------------------------------------------


@QUICK
@given(
    st.lists(
        st.text(min_size=1, max_size=30).filter(lambda s: "\0" not in s),
        min_size=1,
        max_size=40,
        unique=True,
    ),
    st.data(),
)
def test_id_index_finds_exactly_the_ids(ids: list[str], data: st.DataObject) -> None:
    index = IdIndex(ids)
    assert index.duplicates.size == 0
    queries = data.draw(st.lists(st.one_of(st.sampled_from(ids), st.text(min_size=1, max_size=30))))
    queries = [q for q in queries if "\0" not in q]
    words, lengths = pack_strings(queries) if queries else (None, None)
    if not queries:
        return
    encoded = [q.encode() for q in queries]
    buf = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    start = np.cumsum([0] + [len(e) for e in encoded[:-1]]).astype(np.int64)
    found = index.lookup(buf, start, np.array([len(e) for e in encoded], dtype=np.int64))
    expected = [ids.index(q) if q in ids else -1 for q in queries]
    assert found.tolist() == expected
    assert words is not None and lengths is not None


def test_id_index_reports_duplicates() -> None:
    assert IdIndex(["a", "b", "a", "c", "b"]).duplicates.tolist() == [2, 4]
    long = "x" * 20
    assert IdIndex([long, "y", long]).duplicates.tolist() == [2]


@pytest.mark.parametrize(
    "doc",
    [
        {"students": [], "posts": []},
        {"students": [{"id": "S1", "home_county": "A", "choices": []}], "posts": []},
        {"students": [], "posts": [{"id": "P1", "county": "A", "capacity": 2, "scores": {}}]},
    ],
    ids=["nothing", "no posts", "no students"],
)
def test_empty_instances(doc: dict[str, Any]) -> None:
    from matching_service.domain import solve

    for fast in (True, False):
        inst = parse_instance(orjson.dumps(doc), fast=fast)
        assert solve(inst).as_dict(inst) == {}


# One corruption at a random record of a random valid instance: refused, naming that record,
# whichever path reads it.
CORRUPTIONS = [
    "unknown choice",
    "choice twice",
    "negative capacity",
    "unknown applicant",
    "both orders",
    "unknown refusal",
    "capacity as text",
]


@st.composite
def corrupted(draw: st.DrawFn) -> tuple[dict[str, Any], str, str]:
    doc = draw(instances())
    kind = draw(st.sampled_from(CORRUPTIONS))
    if kind in ("unknown choice", "choice twice") and doc["students"]:
        k = draw(st.integers(0, len(doc["students"]) - 1))
        student = doc["students"][k]
        where = f'students[{k}] (id "{student["id"]}")'
        if kind == "unknown choice":
            student["choices"].insert(draw(st.integers(0, len(student["choices"]))), "NOPOST")
            return doc, where, 'choice "NOPOST" names no post'
        twice = draw(st.sampled_from([p["id"] for p in doc["posts"]]))
        student["choices"] = [c for c in student["choices"] if c != twice] + [twice, twice]
        return doc, where, f'choice "{twice}" is listed twice'
    j = draw(st.integers(0, len(doc["posts"]) - 1))
    post = doc["posts"][j]
    where = f'posts[{j}] (id "{post["id"]}")'
    if kind == "capacity as text":
        post["capacity"] = str(post["capacity"])
        return doc, where, "capacity: Expected `int`, got `str`"
    if kind == "unknown applicant":
        if "scores" in post:
            post["scores"]["NOSTUDENT"] = 1.0
            return doc, where, 'scores name no student "NOSTUDENT"'
        post["ranking"].append("NOSTUDENT")
        return doc, where, 'ranking names no student "NOSTUDENT"'
    if kind == "both orders":
        post["ranking" if "scores" in post else "scores"] = [] if "scores" in post else {}
        return doc, where, 'gives both "ranking" and "scores"'
    if kind == "unknown refusal":
        post["refused"] = [*post.get("refused", []), "NOSTUDENT"]
        return doc, where, 'refused names no student "NOSTUDENT"'
    post["capacity"] = -1 - post["capacity"]
    return doc, where, "capacity: Expected `int` >= 0"


@QUICK
@given(corrupted(), st.sampled_from(SERIALISERS))
def test_any_corrupted_record_is_refused_by_name(
    case: tuple[dict[str, Any], str, str], dumps: Callable[[dict[str, Any]], bytes]
) -> None:
    doc, where, problem = case
    data = dumps(doc)
    attempts: list[Callable[[], Instance]] = [
        lambda: parse_instance(data, fast=True),
        lambda: parse_instance(data, fast=False),
        lambda: parse_instance(doc),
    ]
    for attempt in attempts:
        with pytest.raises(InvalidInstance) as caught:
            attempt()
        assert str(caught.value).startswith(f"{where}: {problem}"), str(caught.value)
