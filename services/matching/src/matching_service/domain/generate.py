"""Deterministic, realistic matching instances for benchmarks, tests and the demo season.

Pure: the same arguments give the same instance dict on every machine (numpy's PCG64 stream
is stable across versions for the calls used here). The shape follows the programme:

- counties: Yangquan's five (PROGRAMME.md) for small instances, synthetic ones beyond that;
- posts: a county or "city" (市直), a location near the county seat, a capacity, and a skewed
  popularity (log-normal), so a few posts get most of the applications;
- students: a home county and home near its seat, 1..max_choices 志愿 mostly in their home
  county or city posts (属地管理), drawn by popularity;
- units: score their applicants from a latent ability plus post-specific noise, rounded to
  half points so ties happen; some posts give `scores`, the rest a `ranking`; applicants
  scoring below a bar are refused (不录用) or left off the ranking.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

# adcode, lon, lat of the seat, relative population (PROGRAMME.md, "Geography").
YANGQUAN_COUNTIES: tuple[tuple[str, float, float, float], ...] = (
    ("140302", 113.600669, 37.847436, 2.0),
    ("140303", 113.555279, 37.868494, 1.5),
    ("140311", 113.594163, 37.944679, 1.5),
    ("140321", 113.630107, 37.804988, 1.2),
    ("140322", 113.412330, 38.085619, 1.0),
)
CITY = "city"

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class GeneratorConfig:
    """Knobs of `generate_instance`; the defaults give a province-like season."""

    max_choices: int = 10
    seed: int = 0
    locality: str = "home-county"
    city_post_share: float = 0.15
    local_choice_share: float = 0.85
    exception_share: float = 0.01
    score_post_share: float = 0.5
    seats_per_student: float = 1.3
    popularity_sigma: float = 0.8  # log-normal spread of post popularity (skew)
    refuse_below: float = 55.0
    students_per_county: int = 2000
    with_coordinates: bool = True


def _counties(
    n_students: int, cfg: GeneratorConfig, rng: np.random.Generator
) -> tuple[list[str], F64, F64, F64]:
    n = max(len(YANGQUAN_COUNTIES), n_students // cfg.students_per_county)
    codes = [c[0] for c in YANGQUAN_COUNTIES]
    lon = [c[1] for c in YANGQUAN_COUNTIES]
    lat = [c[2] for c in YANGQUAN_COUNTIES]
    weight = [c[3] for c in YANGQUAN_COUNTIES]
    extra = n - len(codes)
    if extra > 0:
        # Synthetic counties over northern China, codes outside the real adcode range.
        codes += [f"9{i:05d}" for i in range(extra)]
        lon += list(rng.uniform(105.0, 122.0, extra))
        lat += list(rng.uniform(30.0, 42.0, extra))
        weight += list(rng.lognormal(0.0, 0.6, extra))
    w = np.asarray(weight, dtype=np.float64)
    return codes, np.asarray(lon), np.asarray(lat), w / w.sum()


def _unique_prefix(cand: I64, k: npt.NDArray[np.int64]) -> tuple[I64, I64]:
    """Per row, the first k[row] distinct values of `cand`, in draw order (flat + offsets)."""
    n = cand.shape[0]
    order = np.argsort(cand, axis=1, kind="stable")
    sorted_vals = np.take_along_axis(cand, order, axis=1)
    dup_sorted = np.zeros_like(sorted_vals, dtype=bool)
    dup_sorted[:, 1:] = sorted_vals[:, 1:] == sorted_vals[:, :-1]
    dup = np.zeros_like(dup_sorted)
    np.put_along_axis(dup, order, dup_sorted, axis=1)
    keep = ~dup
    keep &= np.cumsum(keep, axis=1) <= k[:, None]
    counts = keep.sum(axis=1).astype(np.int64)
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    return cand[keep].astype(np.int64), ptr


def generate_instance(
    n_students: int, n_posts: int, config: GeneratorConfig | None = None
) -> dict[str, Any]:
    """An instance dict in the contract-4 format (see docs/matching.md)."""
    cfg = config or GeneratorConfig()
    if n_students < 0 or n_posts < 1:
        raise ValueError("need n_students >= 0 and n_posts >= 1")
    rng = np.random.Generator(np.random.PCG64(cfg.seed))
    codes, c_lon, c_lat, c_weight = _counties(n_students, cfg, rng)
    n_counties = len(codes)

    # Posts. County index n_counties stands for "city"; city posts sit at the first seat.
    p_county = rng.choice(n_counties, size=n_posts, p=c_weight)
    p_county[rng.random(n_posts) < cfg.city_post_share] = n_counties
    seat_lon = np.append(c_lon, c_lon[0])
    seat_lat = np.append(c_lat, c_lat[0])
    p_lon = seat_lon[p_county] + rng.normal(0.0, 0.03, n_posts)
    p_lat = seat_lat[p_county] + rng.normal(0.0, 0.03, n_posts)
    mean_cap = max(1.0, cfg.seats_per_student * n_students / n_posts)
    capacity = 1 + rng.poisson(mean_cap - 1.0, n_posts)
    capacity[rng.random(n_posts) < 0.005] = 0  # withdrawn seats: valid, and worth covering
    popularity = rng.lognormal(0.0, cfg.popularity_sigma, n_posts)

    # Students.
    s_county = rng.choice(n_counties, size=n_students, p=c_weight)
    s_lon = c_lon[s_county] + rng.normal(0.0, 0.05, n_students)
    s_lat = c_lat[s_county] + rng.normal(0.0, 0.05, n_students)
    exception = rng.random(n_students) < cfg.exception_share
    L = cfg.max_choices
    k = np.where(rng.random(n_students) < 0.6, L, rng.integers(1, L + 1, n_students))
    width = 2 * L
    cand = np.empty((n_students, width), dtype=np.int64)
    # Global draws by popularity, then overwrite the local share by county pools.
    g_cum = np.cumsum(popularity)
    cand[:] = np.searchsorted(g_cum, rng.random((n_students, width)) * g_cum[-1], side="right")
    local = rng.random((n_students, width)) < cfg.local_choice_share
    city_posts = np.flatnonzero(p_county == n_counties)
    by_county = np.argsort(p_county, kind="stable")
    starts = np.searchsorted(p_county[by_county], np.arange(n_counties + 1))
    students_by_county = np.argsort(s_county, kind="stable")
    s_starts = np.searchsorted(s_county[students_by_county], np.arange(n_counties + 1))
    for c in range(n_counties):
        rows = students_by_county[s_starts[c] : s_starts[c + 1]]
        if rows.size == 0:
            continue
        pool = np.concatenate([by_county[starts[c] : starts[c + 1]], city_posts])
        if pool.size == 0:
            continue
        cum = np.cumsum(popularity[pool])
        draws = pool[np.searchsorted(cum, rng.random((rows.size, width)) * cum[-1], side="right")]
        sub = cand[rows]
        mask = local[rows]
        sub[mask] = draws[mask]
        cand[rows] = sub
    np.minimum(cand, n_posts - 1, out=cand)
    choice_post, choice_ptr = _unique_prefix(cand, k)

    # Unit scores: latent ability + post-specific noise, on a 0-100 scale in half points.
    ability = rng.normal(0.0, 1.0, n_students)
    choice_student = np.repeat(np.arange(n_students), np.diff(choice_ptr))
    noise = rng.normal(0.0, 1.0, choice_post.size)
    score = np.clip(75.0 + 8.0 * (0.8 * ability[choice_student] + 0.6 * noise), 0.0, 100.0)
    score = np.round(score * 2.0) / 2.0
    lottery = rng.random(choice_post.size)
    order = np.lexsort((lottery, -score, choice_post))
    o_post, o_student, o_score = choice_post[order], choice_student[order], score[order]
    o_ptr = np.searchsorted(o_post, np.arange(n_posts + 1))
    uses_scores = rng.random(n_posts) < cfg.score_post_share

    s_ids = [f"S{i + 1}" for i in range(n_students)]
    p_ids = [f"P{j + 1}" for j in range(n_posts)]
    county_names = [*codes, CITY]
    students: list[dict[str, Any]] = []
    cp = choice_post.tolist()
    ptr = choice_ptr.tolist()
    slon = np.round(s_lon, 6).tolist()
    slat = np.round(s_lat, 6).tolist()
    exc = exception.tolist()
    sc = s_county.tolist()
    for i in range(n_students):
        rec: dict[str, Any] = {
            "id": s_ids[i],
            "home_county": county_names[sc[i]],
            "choices": [p_ids[j] for j in cp[ptr[i] : ptr[i + 1]]],
        }
        if cfg.with_coordinates:
            rec["home"] = {"lon": slon[i], "lat": slat[i]}
        if exc[i]:
            rec["locality_exception"] = True
        students.append(rec)

    posts: list[dict[str, Any]] = []
    os_ = o_student.tolist()
    osc = o_score.tolist()
    optr = o_ptr.tolist()
    plon = np.round(p_lon, 6).tolist()
    plat = np.round(p_lat, 6).tolist()
    pc = p_county.tolist()
    caps = capacity.tolist()
    use = uses_scores.tolist()
    bar = cfg.refuse_below
    for j in range(n_posts):
        lo, hi = optr[j], optr[j + 1]
        rec = {"id": p_ids[j], "county": county_names[pc[j]], "capacity": caps[j]}
        if use[j]:
            rec["scores"] = {
                s_ids[s]: osc[t] for t, s in zip(range(lo, hi), os_[lo:hi], strict=True)
            }
            refused = [
                s_ids[s] for t, s in zip(range(lo, hi), os_[lo:hi], strict=True) if osc[t] < bar
            ]
            if refused:
                rec["refused"] = refused
        else:
            rec["ranking"] = [
                s_ids[s] for t, s in zip(range(lo, hi), os_[lo:hi], strict=True) if osc[t] >= bar
            ]
        if cfg.with_coordinates:
            rec["location"] = {"lon": plon[j], "lat": plat[j]}
        posts.append(rec)

    return {
        "students": students,
        "posts": posts,
        "rules": {"locality": cfg.locality, "seed": cfg.seed},
    }
