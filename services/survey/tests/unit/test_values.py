"""Cell values: missing markers, fill-ins, joined choices, durations, timestamps, encodings."""

from __future__ import annotations

import codecs
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from survey_service.domain.textcodec import detect_encoding
from survey_service.domain.values import (
    Missing,
    missing,
    parse_duration,
    parse_time,
    split_fill,
    split_joined,
)


@pytest.mark.parametrize(
    ("cell", "kind"),
    [
        ("", Missing.EMPTY),
        ("(空)", Missing.EMPTY),
        ("(跳过)", Missing.SKIPPED),
        ("-2", Missing.SKIPPED),
        ("-3", Missing.NOT_SHOWN),
        ("男", None),
        ("0", None),
    ],
)
def test_missing_markers(cell: str, kind: Missing | None) -> None:
    assert missing(cell) is kind


def test_split_fill() -> None:
    assert split_fill("其他〖在家附近实习〗") == ("其他", "在家附近实习")
    assert split_fill("其他〖〗") == ("其他", None)
    assert split_fill("男") == ("男", None)


def test_split_joined_keeps_separator_typed_inside_fill() -> None:
    assert split_joined("读书┋其他〖a┋b〗┋运动", "┋") == ["读书", "其他〖a┋b〗", "运动"]
    assert split_joined("阳泉→太原", "→") == ["阳泉", "太原"]


_label = st.text(st.characters(categories=["Lo", "Nd"]), min_size=1, max_size=8)


@given(st.lists(_label, min_size=1, max_size=6))
def test_split_joined_round_trip(labels: list[str]) -> None:
    assert split_joined("┋".join(labels), "┋") == labels


@pytest.mark.parametrize(
    ("cell", "seconds"),
    [
        ("215秒", 215),
        ("215", 215),
        ("3分35秒", 215),
        ("00:03:35", 215),
        ("1小时2分3秒", 3723),
    ],
)
def test_duration(cell: str, seconds: float) -> None:
    assert parse_duration(cell) == seconds


def test_duration_garbage() -> None:
    assert parse_duration("很久") is None


@pytest.mark.parametrize("cell", ["2026/09/03 12:00:00", "2026-09-03 12:00:00", "46268.5"])
def test_time(cell: str) -> None:
    assert parse_time(cell) == datetime(2026, 9, 3, 12, 0, 0)


def test_time_garbage() -> None:
    assert parse_time("#REF!") is None and parse_time("12") is None


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (codecs.BOM_UTF8 + "序号,1、性别".encode(), "utf-8-sig"),
        ("序号,1、性别".encode(), "utf-8"),
        ("序号,1、性别".encode("gbk"), "gb18030"),
        ("序号,1、性别┋".encode("gb18030"), "gb18030"),
        ("序号".encode("utf-16"), "utf-16"),
    ],
)
def test_detect_encoding(data: bytes, encoding: str) -> None:
    assert detect_encoding(data) == encoding


def test_utf8_cut_inside_a_character_is_still_utf8() -> None:
    data = ("序号" * 600_000).encode()[: (1 << 20)]
    assert detect_encoding(data) == "utf-8"


def test_undecodable_bytes() -> None:
    assert detect_encoding(b"\xfd\x81\x30\xff" * 3 + b"\x80") is None
