"""Small statistics, dependency-free: moments from running sums, Pearson's χ² test of
independence with its p-value, and Cramér's V."""

from __future__ import annotations

import math
from dataclasses import dataclass


def mean_sd(n: int, total: float, total_sq: float) -> tuple[float | None, float | None]:
    """Mean and sample standard deviation from n, Σx and Σx²."""
    if n == 0:
        return None, None
    mean = total / n
    if n < 2:
        return mean, None
    var = max(0.0, (total_sq - n * mean * mean) / (n - 1))
    return mean, math.sqrt(var)


def _gamma_series(a: float, x: float) -> float:
    term = total = 1.0 / a
    ap = a
    for _ in range(10_000):
        ap += 1
        term *= x / ap
        total += term
        if abs(term) < abs(total) * 1e-15:
            break
    return total * math.exp(-x + a * math.log(x) - math.lgamma(a))


def _gamma_cf(a: float, x: float) -> float:
    # Lentz's continued fraction for Q(a, x) (Numerical Recipes §6.2).
    tiny = 1e-300
    b = x + 1 - a
    c = 1 / tiny
    d = 1 / b
    h = d
    for i in range(1, 10_000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-15:
            break
    return math.exp(-x + a * math.log(x) - math.lgamma(a)) * h


def chi2_sf(x: float, df: int) -> float:
    """P(X ≥ x) for X ~ χ²(df): the regularised upper incomplete gamma Q(df/2, x/2)."""
    if df <= 0:
        raise ValueError("df must be positive")
    if x <= 0:
        return 1.0
    a, hx = df / 2.0, x / 2.0
    if hx < a + 1:
        return max(0.0, 1.0 - _gamma_series(a, hx))
    return min(1.0, _gamma_cf(a, hx))


@dataclass(frozen=True, slots=True)
class ChiSquare:
    chi2: float
    df: int
    p: float
    cramers_v: float
    low_expected_share: float  # share of cells with expected count < 5
    n: int

    @property
    def unreliable(self) -> bool:
        """The usual rule: more than 20 % of cells expect fewer than 5."""
        return self.low_expected_share > 0.2


def chi_square(table: list[list[int]]) -> ChiSquare | None:
    """Pearson χ² test of independence on an r×c table of counts. Rows and columns that are
    all zero are dropped first; None when fewer than 2×2 remain."""
    rows = [r for r in table if sum(r) > 0]
    if not rows:
        return None
    keep = [j for j in range(len(rows[0])) if sum(r[j] for r in rows) > 0]
    t = [[r[j] for j in keep] for r in rows]
    nr, nc = len(t), len(keep)
    if nr < 2 or nc < 2:
        return None
    n = sum(map(sum, t))
    rs = [sum(r) for r in t]
    cs = [sum(r[j] for r in t) for j in range(nc)]
    chi2 = 0.0
    low = 0
    for i in range(nr):
        for j in range(nc):
            e = rs[i] * cs[j] / n
            low += e < 5
            chi2 += (t[i][j] - e) ** 2 / e
    df = (nr - 1) * (nc - 1)
    v = math.sqrt(chi2 / (n * (min(nr, nc) - 1)))
    return ChiSquare(chi2, df, chi2_sf(chi2, df), v, low / (nr * nc), n)
