"""Matching rounds as the coordinator reviews them: progress of a running round, fill tables
and charts (by county, unit, category), the placements with names and titles, the choices an
override may pick, and the blocking pairs an override leaves.

Matching's round (``GET /v1/rounds/{id}``) names students and posts by id only; the names and
titles come from placement's lists (`Names`). Pure: no I/O."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from fanxiang_web.domain.dashboard import PALETTE

RUNNING = "running"
REVIEWABLE = "run"
PUBLISHED = "published"
FAILED = "failed"
# Matching's phases of a background run, in order, as people read them
# (matching_service.jobs and api.computation).
PHASES = {
    "queued": "排队中",
    "parse": "读取报名和岗位",
    "build": "整理志愿和评分",
    "solve": "计算匹配",
    "check": "稳定性检查",
    "explain": "生成说明",
    "store": "保存结果",
}
PHASE_ORDER = list(PHASES)
ROUND_STATUS = {
    RUNNING: "运行中",
    REVIEWABLE: "待发布",
    PUBLISHED: "已发布",
    FAILED: "运行失败",
}
KIND = {"main": "主轮", "supplementary": "补录"}
LOCALITY = {"home-county": "属地管理（本县区和市直岗位）", "any": "不限县区"}
DIMENSIONS = ("county", "unit", "category")
CHART_ROWS = 15
# Matching's reasons for a blocking pair (matching_service.domain.stability).
BLOCKING_REASON = {
    "post under capacity": "岗位还有空余名额",
    "post holds a student it ranks lower": "岗位录用了一位它排序更靠后的学生",
}


@dataclass(frozen=True)
class Progress:
    phase: str
    done: int
    total: int

    @property
    def percent(self) -> int | None:
        """0–100 of the phase, or None for a moving bar: matching counts only the solve
        (students settled); the other phases start at 0 and end at once, and a bar that
        went back to 0 after the solve would mislead."""
        if self.total <= 0 or (self.phase != "solve" and self.done <= 0):
            return None
        return max(0, min(100, round(100 * self.done / self.total)))

    @property
    def step(self) -> int | None:
        """1-based position of the phase among matching's phases (None: a phase unknown here)."""
        return PHASE_ORDER.index(self.phase) + 1 if self.phase in PHASE_ORDER else None

    @property
    def steps(self) -> int:
        return len(PHASE_ORDER)


def progress(round_: Mapping[str, Any]) -> Progress:
    raw = round_.get("progress") or {}
    if not isinstance(raw, Mapping):
        raw = {}
    return Progress(
        phase=str(raw.get("phase") or "queued"),
        done=_int(raw.get("done")),
        total=_int(raw.get("total")),
    )


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@dataclass
class Names:
    """Who and what the ids are, from placement (what the signed-in person may see)."""

    students: dict[str, str] = field(default_factory=dict)
    """student id → name"""
    posts: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    """post id → placement's post (title, unit_name, county …)"""
    units: dict[str, str] = field(default_factory=dict)
    counties: dict[str, str] = field(default_factory=dict)
    choices: dict[str, list[str]] = field(default_factory=dict)
    """student id → post ids of their live application, best first"""
    home: dict[str, str] = field(default_factory=dict)
    """student id → home county"""

    def student(self, sid: str) -> str:
        return self.students.get(sid, sid)

    def post(self, pid: str | None) -> str:
        if pid is None:
            return ""
        found = self.posts.get(pid)
        return str(found.get("title") or pid) if found else pid

    def unit_of(self, pid: str) -> str:
        found = self.posts.get(pid) or {}
        unit_id = str(found.get("unit_id") or "")
        return str(found.get("unit_name") or self.units.get(unit_id) or unit_id)


def names_from(
    applications: Sequence[Mapping[str, Any]],
    students: Sequence[Mapping[str, Any]],
    posts: Sequence[Mapping[str, Any]],
    counties: Mapping[str, str],
) -> Names:
    choices: dict[str, list[str]] = {}
    home: dict[str, str] = {}
    for a in applications:
        if a.get("status") == "withdrawn":
            continue
        sid = str(a["student_id"])
        ranked = sorted(a.get("choices") or [], key=lambda c: int(c.get("rank") or 0))
        choices[sid] = [str(c["post_id"]) for c in ranked]
        home[sid] = str(a.get("home_county") or "")
    units = {str(p["unit_id"]): str(p.get("unit_name") or "") for p in posts if p.get("unit_id")}
    return Names(
        students={str(s["student_id"]): str(s.get("name") or "") for s in students},
        posts={str(p["post_id"]): p for p in posts},
        units={k: v for k, v in units.items() if v},
        counties=dict(counties),
        choices=choices,
        home=home,
    )


def exemptable(applications: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Students whom 属地管理 keeps from some of their 志愿 (a post outside their home county
    that is not a city post; placement marks each choice ``local``): the coordinator may
    exempt them from the rule for a round."""
    out = []
    for a in applications:
        if a.get("status") == "withdrawn":
            continue
        away = [str(c.get("title") or c["post_id"]) for c in a.get("choices") or []
                if c.get("local") is False]  # fmt: skip
        if away:
            out.append({"student_id": str(a["student_id"]), "posts": away})
    return sorted(out, key=lambda e: e["student_id"])


@dataclass(frozen=True)
class FillRow:
    key: str
    label: str
    posts: int
    seats: int
    placed: int

    @property
    def fill_rate(self) -> float | None:
        return self.placed / self.seats if self.seats else None


def fill_rows(figures: Mapping[str, Any], dimension: str, names: Names) -> list[FillRow]:
    """One dimension of a round's ``figures.fill``, labelled, largest number of seats first."""
    raw: Mapping[str, Mapping[str, Any]] = (figures.get("fill") or {}).get(dimension) or {}

    def label(key: str) -> str:
        if dimension == "county":
            return names.counties.get(key, key)
        if dimension == "unit":
            return names.units.get(key, key)
        return key

    rows = [
        FillRow(key, label(key), _int(v.get("posts")), _int(v.get("seats")), _int(v.get("placed")))
        for key, v in raw.items()
    ]
    if dimension == "county":  # the city's own order of counties
        order = {k: i for i, k in enumerate(names.counties)}
        rows.sort(key=lambda r: (order.get(r.key, len(order)), r.key))
    else:
        rows.sort(key=lambda r: (-r.seats, r.label))
    return rows


def fill_chart(rows: Sequence[FillRow], t: Callable[[str], str]) -> dict[str, Any]:
    """Grouped bars: seats and placed, per row (the table beside it has the same figures)."""
    return {
        "color": PALETTE,
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 8, "bottom": 8, "top": 36, "containLabel": True},
        "xAxis": {
            "type": "category",
            "data": [t(r.label) for r in rows],
            "axisLabel": {"interval": 0, "rotate": 30 if len(rows) > 6 else 0},
        },
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {"name": t("名额"), "type": "bar", "barMaxWidth": 36, "data": [r.seats for r in rows]},
            {
                "name": t("匹配录用"),
                "type": "bar",
                "barMaxWidth": 36,
                "data": [r.placed for r in rows],
            },
        ],
    }


def by_choice_chart(placed_by_choice: Any, t: Callable[..., str]) -> dict[str, Any] | None:
    """How many were placed at their 志愿 1, 2, … (matching's ``placed_by_choice``)."""
    pairs = choice_counts(placed_by_choice)
    if not pairs:
        return None
    return {
        "color": PALETTE[2:],
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 8, "right": 8, "bottom": 8, "top": 16, "containLabel": True},
        "xAxis": {"type": "category", "data": [t("志愿 {n}", n=n) for n, _ in pairs]},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {"name": t("人数"), "type": "bar", "barMaxWidth": 36, "data": [c for _, c in pairs]}
        ],
    }


def choice_counts(placed_by_choice: Any) -> list[tuple[int, int]]:
    """``placed_by_choice`` as (志愿 number, count), whether matching sends a list (index 0 =
    志愿 1) or a mapping keyed by the number."""
    if isinstance(placed_by_choice, Mapping):
        pairs = [(_int(k), _int(v)) for k, v in placed_by_choice.items()]
        return sorted((k, v) for k, v in pairs if k > 0)
    if isinstance(placed_by_choice, Sequence) and not isinstance(placed_by_choice, str):
        return [(i + 1, _int(v)) for i, v in enumerate(placed_by_choice)]
    return []


@dataclass(frozen=True)
class Placement:
    student_id: str
    student: str
    home: str
    post_id: str | None
    post: str
    unit: str
    choice: int | None  # the post's rank among the student's choices (None: not among them)


def placements(round_: Mapping[str, Any], names: Names) -> list[Placement]:
    """Placed students (by post title, then name), then the unplaced ones."""
    assignments: Mapping[str, str] = round_.get("assignments") or {}
    out: list[Placement] = []
    for sid, pid in assignments.items():
        ranked = names.choices.get(sid, [])
        out.append(
            Placement(
                sid,
                names.student(sid),
                names.counties.get(names.home.get(sid, ""), names.home.get(sid, "")),
                pid,
                names.post(pid),
                names.unit_of(pid),
                ranked.index(pid) + 1 if pid in ranked else None,
            )
        )
    out.sort(key=lambda p: (p.post, p.student))
    for sid in sorted(round_.get("unmatched") or [], key=names.student):
        home = names.home.get(sid, "")
        out.append(
            Placement(sid, names.student(sid), names.counties.get(home, home), None, "", "", None)
        )
    return out


def override_options(round_: Mapping[str, Any], names: Names) -> list[dict[str, Any]]:
    """For the override form: each student of the round and the posts they may be moved to
    (their 志愿, best first; matching refuses what it cannot accept and says why)."""
    students = [*(round_.get("assignments") or {}), *(round_.get("unmatched") or [])]
    out = []
    for sid in sorted(set(students), key=names.student):
        out.append(
            {
                "student_id": sid,
                "name": names.student(sid),
                "current": (round_.get("assignments") or {}).get(sid),
                "choices": [
                    {"post_id": pid, "rank": i + 1, "title": names.post(pid)}
                    for i, pid in enumerate(names.choices.get(sid, []))
                ],
            }
        )
    return out


@dataclass(frozen=True)
class Blocking:
    student: str
    post: str
    reason: str


def blocking_pairs(pairs: Sequence[Mapping[str, Any]], names: Names) -> list[Blocking]:
    """Matching's blocking pairs (a student and a post that would both rather have each
    other), with names instead of ids."""
    return [
        Blocking(
            names.student(str(p.get("student", ""))),
            names.post(str(p.get("post", ""))),
            str(p.get("reason") or ""),
        )
        for p in pairs
    ]


def default_accept_by(now: datetime, days: int = 7) -> datetime:
    """The answer deadline offered by default: ``days`` on, at 18:00 of that day (local)."""
    return (now + timedelta(days=days)).replace(hour=18, minute=0, second=0, microsecond=0)


# Why a student did not get a choice above their placement (matching_service.domain.explain).
WHY_NOT = {
    "outside_home_county": "属地管理：不在家乡县区，也不是市直岗位",
    "refused": "单位标记为不录用",
    "not_ranked": "单位没有给这名学生评分（单位评过分时，只录用评过分的学生）",
    "full": "名额已满：{capacity} 个名额都给了单位排在前面的学生（最后录用的排第 {cutoff} 位，这名学生排第 {mine} 位）",
    "full_scored": "名额已满：最后录用的学生 {cutoff_score} 分，这名学生 {your_score} 分（排第 {mine} 位，最后录用的排第 {cutoff} 位）",
}


@dataclass(frozen=True)
class WhyNot:
    rank: int | None  # the post's place among the student's choices
    post: str
    text: str  # a WHY_NOT text, translated and filled in on the page
    values: dict[str, Any]


def why_not(explanation: Mapping[str, Any], names: Names, student_id: str) -> list[WhyNot]:
    """Each choice above the placement, best first, with the reason matching gives."""
    ranked = names.choices.get(student_id, [])
    out = []
    for item in explanation.get("not_placed_higher") or []:
        pid = str(item.get("post", ""))
        reason = str(item.get("reason", ""))
        values: dict[str, Any] = {}
        if reason == "not_acceptable":
            key = "refused" if item.get("detail") == "refused" else "not_ranked"
        elif reason == "full":
            values = {
                "capacity": item.get("capacity"),
                "cutoff": item.get("cutoff_rank") or "—",
                "mine": item.get("your_rank") or "—",
            }
            key = "full"
            if item.get("cutoff_score") is not None and item.get("your_score") is not None:
                key = "full_scored"
                values |= {
                    "cutoff_score": _score(item["cutoff_score"]),
                    "your_score": _score(item["your_score"]),
                }
        else:
            key = reason
        out.append(
            WhyNot(
                ranked.index(pid) + 1 if pid in ranked else None,
                names.post(pid),
                WHY_NOT.get(key, reason),
                values,
            )
        )
    return out


def _score(value: Any) -> str:
    try:
        return f"{float(value):g}"
    except (TypeError, ValueError):
        return str(value)
