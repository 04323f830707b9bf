"""The season's figures for committees: posts, places (capacity) and places taken (filled) by
county and by category, from placement's post list; and the ECharts options that draw them.

Only approved posts count (published, full, closed); posts waiting for approval are counted on
their own. Counts of people (applications by home county) hide any group smaller than
``MIN_GROUP`` (DESIGN.md Privacy: no report shows a group smaller than 5)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

APPROVED = frozenset({"published", "full", "closed"})
PENDING = frozenset({"submitted"})
MIN_GROUP = 5
PALETTE = ["#c8372d", "#e9a13b", "#3a78c3", "#4a9d6f", "#8a63b8", "#d0689a", "#5b8c99", "#9a7b4f"]


@dataclass
class Row:
    key: str
    label: str
    posts: int = 0
    capacity: int = 0
    filled: int = 0
    pending: int = 0

    @property
    def fill_rate(self) -> float | None:
        return self.filled / self.capacity if self.capacity else None


@dataclass
class Figures:
    total: Row
    by_place: list[Row] = field(default_factory=list)
    by_category: list[Row] = field(default_factory=list)
    by_status: dict[str, int] = field(default_factory=dict)


def _tally(rows: dict[str, Row], key: str, label: str, post: Mapping[str, Any]) -> None:
    row = rows.setdefault(key, Row(key, label))
    status = post.get("status")
    if status in APPROVED:
        row.posts += 1
        row.capacity += int(post.get("capacity") or 0)
        row.filled += int(post.get("filled") or 0)
    elif status in PENDING:
        row.pending += 1


def figures(
    posts: Iterable[Mapping[str, Any]],
    places: Mapping[str, str],
    categories: Sequence[str],
    place_of: Callable[[Mapping[str, Any]], str] = lambda p: str(p.get("county")),
) -> Figures:
    """Rows by place (``places``: key → label, in order; the city's counties, or one county's
    townships) and by category (as placement lists them). A place or category with no posts
    still gets its row, so charts compare alike."""
    total = Row("total", "")
    counties = {code: Row(code, name) for code, name in places.items()}
    cats = {c: Row(c, c) for c in categories}
    by_status: dict[str, int] = {}
    for post in posts:
        status = str(post.get("status"))
        by_status[status] = by_status.get(status, 0) + 1
        _tally({"total": total}, "total", "", post)
        place = place_of(post)
        _tally(counties, place, places.get(place, place), post)
        category = str(post.get("category"))
        _tally(cats, category, category, post)
    return Figures(total, list(counties.values()), list(cats.values()), by_status)


def unplaced_label() -> str:
    return "未指定乡镇"


def suppressed(count: int) -> str:
    """A people count as shown: small groups hidden."""
    return f"<{MIN_GROUP}" if 0 < count < MIN_GROUP else str(count)


def count_by(
    items: Iterable[Mapping[str, Any]], key: Callable[[Mapping[str, Any]], str]
) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in items:
        k = key(item)
        out[k] = out.get(k, 0) + 1
    return out


def capacity_chart(rows: Sequence[Row], t: Callable[[str], str]) -> dict[str, Any]:
    """Grouped bars: places offered and places taken, per row."""
    return {
        "color": PALETTE,
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 8, "bottom": 8, "top": 36, "containLabel": True},
        "xAxis": {"type": "category", "data": [t(r.label) for r in rows]},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {
                "name": t("名额"),
                "type": "bar",
                "barMaxWidth": 36,
                "data": [r.capacity for r in rows],
            },
            {
                "name": t("已录用"),
                "type": "bar",
                "barMaxWidth": 36,
                "data": [r.filled for r in rows],
            },
        ],
    }


def posts_chart(rows: Sequence[Row], t: Callable[[str], str]) -> dict[str, Any]:
    """Horizontal bars: approved posts per row (categories read better across)."""
    ordered = list(reversed(rows))  # ECharts draws the first category at the bottom
    return {
        "color": PALETTE[2:],
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 8, "right": 24, "bottom": 8, "top": 8, "containLabel": True},
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {"type": "category", "data": [t(r.label) for r in ordered]},
        "series": [
            {
                "name": t("岗位数"),
                "type": "bar",
                "barMaxWidth": 22,
                "data": [r.posts for r in ordered],
            },
        ],
    }


def status_chart(by_status: Mapping[str, int], t: Callable[[str], str]) -> dict[str, Any]:
    return {
        "color": PALETTE,
        "tooltip": {"trigger": "item"},
        "legend": {"bottom": 0},
        "series": [
            {
                "type": "pie",
                "radius": ["40%", "68%"],
                "center": ["50%", "45%"],
                "label": {"formatter": "{b}: {c}"},
                "data": [{"name": t(k), "value": v} for k, v in by_status.items() if v],
            }
        ],
    }
