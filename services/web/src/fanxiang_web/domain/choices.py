"""The 志愿 list a student builds before submitting: an ordered list of post ids, best first.

The draft lives in the web's own database until the student submits it to placement; these
functions only compute the next list (placement checks the final one again)."""

from __future__ import annotations

from collections.abc import Sequence


class ChoiceError(ValueError):
    """A change the list cannot take; ``code`` picks the message shown."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def add(choices: Sequence[str], post_id: str, max_choices: int) -> list[str]:
    if post_id in choices:
        raise ChoiceError("already_chosen")
    if len(choices) >= max_choices:
        raise ChoiceError("too_many")
    return [*choices, post_id]


def remove(choices: Sequence[str], post_id: str) -> list[str]:
    return [c for c in choices if c != post_id]


def move(choices: Sequence[str], post_id: str, delta: int) -> list[str]:
    """Move ``post_id`` up (``delta`` < 0) or down; past either end it stays at that end."""
    if post_id not in choices:
        return list(choices)
    out = [c for c in choices if c != post_id]
    index = max(0, min(len(out), choices.index(post_id) + delta))
    out.insert(index, post_id)
    return out


def rank_of(choices: Sequence[str], post_id: str) -> int | None:
    """志愿 n (1-based) of a post, or None."""
    return choices.index(post_id) + 1 if post_id in choices else None
