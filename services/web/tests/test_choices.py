"""Building the 志愿 list: add, remove, move; placement re-checks the final list."""

from __future__ import annotations

import pytest

from fanxiang_web.domain.choices import ChoiceError, add, move, rank_of, remove


def test_add_appends_and_refuses_repeats_and_overflow() -> None:
    assert add(["a"], "b", 3) == ["a", "b"]
    with pytest.raises(ChoiceError) as repeat:
        add(["a", "b"], "a", 3)
    assert repeat.value.code == "already_chosen"
    with pytest.raises(ChoiceError) as full:
        add(["a", "b", "c"], "d", 3)
    assert full.value.code == "too_many"


def test_move_up_and_down_and_stays_at_the_ends() -> None:
    assert move(["a", "b", "c"], "c", -1) == ["a", "c", "b"]
    assert move(["a", "b", "c"], "a", 1) == ["b", "a", "c"]
    assert move(["a", "b", "c"], "a", -1) == ["a", "b", "c"]
    assert move(["a", "b", "c"], "c", 5) == ["a", "b", "c"]
    assert move(["a", "b"], "x", 1) == ["a", "b"]


def test_remove_and_rank() -> None:
    assert remove(["a", "b", "c"], "b") == ["a", "c"]
    assert remove(["a"], "x") == ["a"]
    assert rank_of(["a", "b"], "b") == 2 and rank_of(["a"], "x") is None
