"""χ², p-values, Cramér's V, moments and the small-group rule."""

from __future__ import annotations

import math

import pytest

from survey_service.domain.analysis.privacy import suppress_columns
from survey_service.domain.analysis.stats import chi2_sf, chi_square, mean_sd


@pytest.mark.parametrize(
    ("x", "df", "p"),
    [
        (3.841458820694124, 1, 0.05),
        (5.991464547107979, 2, 0.05),
        (18.307038053275146, 10, 0.05),
        (0.5, 3, 0.9188914116546758),
        (100.0, 50, 3.4549313829848e-05),
        (0.0, 4, 1.0),
    ],
)
def test_chi2_survival_matches_reference_values(x: float, df: int, p: float) -> None:
    assert chi2_sf(x, df) == pytest.approx(p, rel=1e-9)


def test_chi_square_test_of_independence() -> None:
    # scipy.stats.chi2_contingency([[10, 20], [30, 40]], correction=False)
    t = chi_square([[10, 20], [30, 40]])
    assert t is not None
    assert t.chi2 == pytest.approx(0.7936507936507936)
    assert t.df == 1 and t.p == pytest.approx(0.3729984836134872)
    assert t.cramers_v == pytest.approx(math.sqrt(0.7936507936507936 / 100))
    assert not t.unreliable


def test_zero_rows_and_columns_are_dropped_and_low_expected_flagged() -> None:
    t = chi_square([[5, 0, 1], [0, 0, 0], [1, 0, 6]])
    assert t is not None and t.df == 1 and t.unreliable
    assert chi_square([[3, 4]]) is None


def test_perfect_association_has_v_one() -> None:
    t = chi_square([[50, 0], [0, 50]])
    assert t is not None and t.cramers_v == pytest.approx(1.0) and t.p < 1e-20


def test_mean_sd() -> None:
    xs = [1, 2, 3, 4, 5]
    mean, sd = mean_sd(5, sum(xs), sum(x * x for x in xs))
    assert mean == 3.0 and sd == pytest.approx(1.5811388)
    assert mean_sd(0, 0, 0) == (None, None)


def test_small_cells_are_hidden_with_a_complement() -> None:
    shown, hidden = suppress_columns([[3, 10], [20, 30], [7, 6]])
    # column 0: 3 is small, and its complement (the smallest other, 7) hides with it
    assert shown == [[None, 10], [20, 30], [None, 6]]
    assert hidden == 2


def test_zero_is_not_a_group() -> None:
    shown, hidden = suppress_columns([[0, 10], [20, 30]])
    assert shown == [[0, 10], [20, 30]] and hidden == 0
