"""The progress bar along a student's path, from the application and the offers."""

from __future__ import annotations

from typing import Any

import pytest

from fanxiang_web.domain.progress import State, progress


def states(app: dict[str, Any] | None, placements: list[dict[str, Any]] = []) -> str:  # noqa: B006
    """One letter per step: d(one) c(urrent) t(odo) f(ailed)."""
    return "".join(s.state.value[0] for s in progress(app, placements).steps)


def test_no_application_yet() -> None:
    p = progress(None)
    assert states(None) == "tttttttt" and p.current is None and p.percent == 0


@pytest.mark.parametrize(
    ("status", "bar", "exit"),
    [
        ("submitted", "dctttttt", None),
        ("eligible", "ddcttttt", None),
        ("ineligible", "dftttttt", "未通过"),
        ("withdrawn", "dttttttt", "已退出"),
    ],
)
def test_application_states(status: str, bar: str, exit: str | None) -> None:
    assert states({"status": status}) == bar
    assert progress({"status": status}).exit == exit


@pytest.mark.parametrize(
    ("status", "bar"),
    [
        ("offered", "dddctttt"),
        ("accepted", "ddddcttt"),
        ("trained", "dddddctt"),
        ("committed", "ddddddct"),
        ("fixed", "ddddddct"),
        ("on_post", "dddddddc"),
        ("completed", "dddddddd"),
    ],
)
def test_offer_states(status: str, bar: str) -> None:
    app = {"status": "eligible"}
    assert states(app, [{"status": status, "offered_at": "2026-06-01T00:00:00Z"}]) == bar


def test_a_declined_offer_is_a_side_exit_at_the_offer_step() -> None:
    p = progress({"status": "eligible"}, [{"status": "declined", "offered_at": "2026-06-01"}])
    assert p.exit == "已放弃录用"
    assert [s.state for s in p.steps][3] is State.FAILED


def test_a_later_standing_offer_wins_over_an_earlier_declined_one() -> None:
    placements = [
        {"status": "declined", "offered_at": "2026-06-01T00:00:00Z", "post_title": "A"},
        {"status": "offered", "offered_at": "2026-06-05T00:00:00Z", "post_title": "B"},
    ]
    p = progress({"status": "eligible"}, placements)
    assert p.exit is None and p.placement is not None and p.placement["post_title"] == "B"
    assert p.current is not None and p.current.label == "录用"


def test_percent_counts_the_steps_done() -> None:
    assert progress({"status": "eligible"}).percent == 25
