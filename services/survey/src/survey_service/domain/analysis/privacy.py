"""The small-group rule: no report shows a group of fewer than 5 respondents.

What counts as a group (docs/survey.md, "Privacy"): every breakdown cell — a cross-tab cell,
a cross-tab column (the respondents of one group), a theme of free-text answers. A count over
all respondents of one question (the per-question frequency table) describes the whole
population, not a subgroup, and is shown as is — except in a subgroup's view (one county),
where every option count is a group of that county and small ones are hidden too
(`hide_small_counts`).
"""

from __future__ import annotations

MIN_GROUP = 5


def small(n: int) -> bool:
    """A non-empty group below the threshold (0 reveals nobody and is shown)."""
    return 0 < n < MIN_GROUP


def suppress_columns(table: list[list[int]]) -> tuple[list[list[int | None]], int]:
    """Primary suppression of small cells, plus complementary suppression within each column so
    that a suppressed cell cannot be recovered from the column total by subtraction. Returns
    the table with None for hidden cells and the number hidden."""
    if not table:
        return [], 0
    out: list[list[int | None]] = [list(r) for r in table]
    hidden = 0
    for j in range(len(table[0])):
        col = [r[j] for r in table]
        idx = [i for i, n in enumerate(col) if small(n)]
        if len(idx) == 1:
            rest = sorted((n, i) for i, n in enumerate(col) if n > 0 and i not in idx)
            if rest:
                idx.append(rest[0][1])
        for i in idx:
            out[i][j] = None
            hidden += 1
    return out, hidden


def hide_small_counts(counts: dict[str, int], *, exclusive: bool) -> dict[str, int | None]:
    """A subgroup's frequency table with counts of 1–4 hidden (None). ``exclusive``: the
    options split the respondents (single choice, a scale, a matrix row), so their total is
    known and a lone hidden cell is hidden with the next smallest, as in `suppress_columns`;
    for multi-select and ranking each count stands alone."""
    labels = list(counts)
    if exclusive:
        column, _ = suppress_columns([[counts[lb]] for lb in labels])
        return {lb: row[0] for lb, row in zip(labels, column, strict=True)}
    return {lb: None if small(n) else n for lb, n in counts.items()}
