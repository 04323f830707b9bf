"""From the read model to a solver instance, and from the solver's answer to a round's figures.

Pure functions (no I/O), called off the event loop. The rules the service applies when it
turns placement's facts into a contract-4 instance (docs/matching.md, "The service"):

- posts: the season's open posts with their current capacity;
- students: one live application per student (not withdrawn; eligible, or also undecided when
  the request asks), with its choices in order, keeping only open posts of the season;
- a post's preferences: the interview scores (``scores``) of the applicants who chose it;
  when the unit scored nobody, every applicant who chose it is acceptable with an equal score,
  so the documented tie-break (就近, then the seeded lottery) orders them; when it scored some,
  unscored applicants are not acceptable to it; refused applicants (不录用) are ``refused``;
- a supplementary round (补录, like the NRMP's SOAP) leaves out every student placed by a
  published round of the season (also those who declined: they said no), and offers each
  post its seats minus the live offers of published rounds (not declined, not expired).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from matching_service.domain import (
    Instance,
    check_matching,
    check_stability,
    explain,
    matching_from_dict,
    parse_instance,
    result_document,
    solve,
)
from matching_service.domain.progress import Progress


@dataclass(frozen=True)
class RoundInput:
    """A round's input, built from the read model when the coordinator asks for it (and
    stored with the round): the instance and the facts its figures and offers need."""

    instance: dict[str, Any]
    post_facts: dict[str, dict[str, Any]]
    student_facts: dict[str, dict[str, Any]]
    based_on: list[str]  # the season's published rounds it was computed against
    parsed: Instance | None = None  # ``instance`` parsed, when at hand


@dataclass(frozen=True)
class Computed:
    instance: dict[str, Any]
    post_facts: dict[str, dict[str, Any]]
    student_facts: dict[str, dict[str, Any]]
    result: dict[str, Any]
    explanations: dict[str, Any]
    checks: dict[str, list[Any]]

    @property
    def clean(self) -> bool:
        return not self.checks["feasibility"] and not self.checks["blocking_pairs"]


def build_instance(
    posts: list[dict[str, Any]],
    applications: list[dict[str, Any]],
    verdicts: list[dict[str, Any]],
    *,
    locality: str,
    seed: int,
    locality_exceptions: set[str],
    taken: dict[str, int] | None = None,
    exclude: set[str] | None = None,
) -> tuple[dict[str, Any], dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    taken = taken or {}
    if exclude:
        applications = [a for a in applications if a["student_id"] not in exclude]
    posts = [{**p, "capacity": max(0, p["capacity"] - taken.get(p["post_id"], 0))} for p in posts]
    post_ids = {p["post_id"] for p in posts}
    student_of = {a["application_id"]: a["student_id"] for a in applications}
    students: list[dict[str, Any]] = []
    applicants: dict[str, list[str]] = defaultdict(list)
    for a in applications:
        choices: list[str] = []
        for c in a["choices"]:
            if c in post_ids and c not in choices:
                choices.append(c)
        for c in choices:
            applicants[c].append(a["student_id"])
        student: dict[str, Any] = {
            "id": a["student_id"],
            "home_county": a["home_county"],
            "choices": choices,
        }
        if a["student_id"] in locality_exceptions:
            student["locality_exception"] = True
        students.append(student)

    scores: dict[str, dict[str, float]] = defaultdict(dict)
    refused: dict[str, list[str]] = defaultdict(list)
    for v in verdicts:
        sid = student_of.get(v["application_id"])
        if sid is None or v["post_id"] not in post_ids:
            continue
        if v["refused"]:
            refused[v["post_id"]].append(sid)
        elif v["score"] is not None:
            scores[v["post_id"]][sid] = float(v["score"])

    doc_posts: list[dict[str, Any]] = []
    for p in posts:
        pid = p["post_id"]
        chosen = applicants.get(pid, [])
        given = scores.get(pid)
        post_scores = (
            {s: given[s] for s in chosen if s in given} if given else dict.fromkeys(chosen, 0.0)
        )
        doc_posts.append(
            {
                "id": pid,
                "county": p["county"],
                "capacity": p["capacity"],
                "scores": post_scores,
                "refused": sorted(set(refused.get(pid, [])) & set(chosen)),
            }
        )
    instance = {
        "students": students,
        "posts": doc_posts,
        "rules": {"locality": locality, "seed": seed},
    }
    post_facts = {
        p["post_id"]: {
            "county": p["county"],
            "unit_id": p["unit_id"],
            "category": p["category"],
            "title": p["title"],
            "capacity": p["capacity"],
        }
        for p in posts
    }
    student_facts = {
        a["student_id"]: {"application_id": a["application_id"], "home_county": a["home_county"]}
        for a in applications
    }
    return instance, post_facts, student_facts


def compute(
    instance: dict[str, Any],
    post_facts: dict[str, dict[str, Any]],
    student_facts: dict[str, dict[str, Any]],
    *,
    parsed: Instance | None = None,
    progress: Progress | None = None,
) -> Computed:
    """Solve, check (feasibility and stability, independently of the solver), explain.

    ``parsed`` is ``instance`` already parsed (record order does not change the answer, so
    the dict read back from the database gives the same round); ``progress`` hears the
    phases: parse, build, solve (settled students, from the solver), check,
    explain."""
    report = progress or _quiet
    if parsed is None:
        report("parse", 0, len(instance["students"]))
        parsed = parse_instance(instance)
    n = parsed.n_students
    report("build", 0, n)  # the solver's first progress call ends it
    matching = solve(parsed, progress)
    report("check", 0, n)
    checks: dict[str, list[Any]] = {
        "feasibility": check_matching(parsed, matching),
        "blocking_pairs": [
            {"student": b.student, "post": b.post, "reason": b.reason}
            for b in check_stability(parsed, matching)
        ],
    }
    report("explain", 0, n)
    explanations = explain(parsed, matching) if not checks["blocking_pairs"] else {}
    return Computed(
        instance=instance,
        post_facts=post_facts,
        student_facts=student_facts,
        result=result_document(parsed, matching),
        explanations=explanations,
        checks=checks,
    )


def _quiet(phase: str, done: int, total: int) -> None:
    pass


def fill(
    post_facts: dict[str, dict[str, Any]],
    assignments: dict[str, str],
    *,
    county: str | None = None,
) -> dict[str, dict[str, dict[str, Any]]]:
    """Seats, placed and fill rate by county, unit and category (only one county's posts when
    ``county`` is given)."""
    placed: dict[str, int] = defaultdict(int)
    for pid in assignments.values():
        placed[pid] += 1
    out: dict[str, dict[str, dict[str, Any]]] = {"county": {}, "unit": {}, "category": {}}
    for pid, facts in sorted(post_facts.items()):
        if county is not None and facts["county"] != county:
            continue
        for dim, key in (
            ("county", facts["county"]),
            ("unit", facts["unit_id"]),
            ("category", facts["category"]),
        ):
            row = out[dim].setdefault(key, {"posts": 0, "seats": 0, "placed": 0})
            row["posts"] += 1
            row["seats"] += facts["capacity"]
            row["placed"] += placed.get(pid, 0)
    for rows in out.values():
        for row in rows.values():
            row["fill_rate"] = round(row["placed"] / row["seats"], 4) if row["seats"] else 0.0
    return out


def summary(
    computed_result: dict[str, Any],
    post_facts: dict[str, dict[str, Any]],
    *,
    county: str | None = None,
) -> dict[str, Any]:
    """The figures a coordinator (everything) or a county committee (its county) reads."""
    assignments: dict[str, str] = computed_result["assignments"]
    if county is None:
        stats = computed_result["stats"]
        figures = {
            k: stats[k] for k in ("students", "posts", "seats", "placed", "unmatched", "fill_rate")
        }
        figures["placed_by_choice"] = stats["placed_by_choice"]
    else:
        mine = {p for p, f in post_facts.items() if f["county"] == county}
        seats = sum(post_facts[p]["capacity"] for p in mine)
        placed = sum(1 for p in assignments.values() if p in mine)
        figures = {
            "posts": len(mine),
            "seats": seats,
            "placed": placed,
            "fill_rate": round(placed / seats, 4) if seats else 0.0,
        }
    figures["fill"] = fill(post_facts, assignments, county=county)
    return figures


@dataclass(frozen=True)
class Overridden:
    result: dict[str, Any]
    explanations: dict[str, Any] | None  # None: the matching is no longer stable
    problems: list[str]  # feasibility: the override is refused when any
    blocking_pairs: list[dict[str, str]]


def override(instance: dict[str, Any], assignments: dict[str, str]) -> Overridden:
    """Re-check a round's placements after a coordinator's change (feasibility, stability)."""
    parsed = parse_instance(instance)
    matching = matching_from_dict(parsed, assignments)
    problems = check_matching(parsed, matching)
    blocking = [
        {"student": b.student, "post": b.post, "reason": b.reason}
        for b in check_stability(parsed, matching)
    ]
    explanations = explain(parsed, matching) if not blocking and not problems else None
    return Overridden(
        result=result_document(parsed, matching),
        explanations=explanations,
        problems=problems,
        blocking_pairs=blocking,
    )


def supplementary_scope(
    published: list[dict[str, Any]], answers: list[dict[str, Any]]
) -> tuple[dict[str, int], set[str]]:
    """Seats held by live offers of published rounds, per post, and the students they placed."""
    gone = {
        (a["student_id"], a["post_id"]): a["round_id"] for a in answers if a["status"] != "accepted"
    }
    taken: dict[str, int] = defaultdict(int)
    placed: set[str] = set()
    for r in published:
        for sid, pid in r["assignments"].items():
            placed.add(sid)
            key = (sid, pid)
            if key in gone and gone[key] in (None, r["round_id"]):
                continue
            taken[pid] += 1
    return dict(taken), placed
