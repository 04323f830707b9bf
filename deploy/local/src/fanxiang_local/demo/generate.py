"""The demo season, generated from a seed: pure (a seeded `random.Random`, no I/O), so the same
seed, scale, year, geography and questionnaire always give the same season.

At scale 1 it has the numbers of Yangquan's 2022 season (../shared/domain/PROGRAMME.md): 129
units, 290 posts, 174 students from 76 universities in 29 cities, liaisons in those cities,
and 198 questionnaire responses. A smaller scale shrinks every count (for tests).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from fanxiang_local.demo import vocabulary as V
from fanxiang_local.demo.model import (
    Committee,
    Demo,
    Interview,
    Liaison,
    Post,
    PostStatus,
    SeasonPlan,
    Student,
    Unit,
)
from fanxiang_local.demo.survey import survey_responses

DEFAULT_SEED = 2022
FULL = {"units": 129, "posts": 290, "students": 174, "universities": 76, "responses": 198}
CITY = "city"
SCORE_CRITERIA = ("综合分析", "言语表达", "应变能力", "专业匹配")

T = TypeVar("T")


@dataclass(frozen=True)
class Place:
    """A county-level division, or the development zone inside 郊区."""

    org: str
    county: str
    name: str
    prefix: str
    townships: dict[str, str]


def places(reference: Mapping[str, Any]) -> list[Place]:
    """The places of placement's `/v1/reference` (counties, zones), zones apart."""
    zones = set(reference.get("zones", []))
    out: list[Place] = []
    for c in reference["counties"]:
        own = {t: n for t, n in c["townships"].items() if t not in zones}
        prefix = c["name"] if c["name"].endswith("县") else f"阳泉市{c['name']}"
        out.append(Place(c["code"], c["code"], c["name"], prefix, own))
        for zone in sorted(zones & set(c["townships"])):
            name = c["townships"][zone]
            out.append(Place(zone, c["code"], name, name, {zone: name}))
    return out


def scaled(full: int, scale: float) -> int:
    return max(1, round(full * scale))


def apportion(total: int, weights: Mapping[str, float]) -> dict[str, int]:
    """Split ``total`` by ``weights`` (largest remainder), every key at least 1 if possible."""
    keys = list(weights)
    floor = 1 if total >= len(keys) else 0
    rest = total - floor * len(keys)
    whole = sum(weights.values())
    exact = {k: rest * weights[k] / whole for k in keys}
    out = {k: floor + int(exact[k]) for k in keys}
    left = total - sum(out.values())
    for k in sorted(keys, key=lambda k: exact[k] - int(exact[k]), reverse=True)[:left]:
        out[k] += 1
    return out


def weighted(rng: random.Random, pairs: Sequence[tuple[T, int | float]]) -> T:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def sample_weighted(
    rng: random.Random, items: Sequence[T], weights: Sequence[float], k: int
) -> list[T]:
    """``k`` distinct items, each draw proportional to its weight (Efraimidis–Spirakis)."""
    keyed = sorted(
        ((rng.random() ** (1.0 / w), i) for i, w in enumerate(weights) if w > 0), reverse=True
    )
    return [items[i] for _, i in keyed[:k]]


class Names:
    """Chinese names, none given twice."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def person(self, gender: str | None = None) -> str:
        gender = gender or self.rng.choice("男女")
        pool = V.GIVEN_MALE if gender == "男" else V.GIVEN_FEMALE
        for _ in range(100):
            given = self.rng.choice(pool)
            if self.rng.random() < 0.7:
                given = self.rng.choice(V.GIVEN_ANY + pool) + given
            name = self.rng.choice(V.SURNAMES) + given
            if name not in self.used:
                self.used.add(name)
                return name
        raise RuntimeError("ran out of names")  # pragma: no cover - 10^5 combinations


def generate(
    reference: Mapping[str, Any],
    questionnaire: Mapping[str, Any] | None = None,
    *,
    seed: int = DEFAULT_SEED,
    scale: float = 1.0,
    year: int = 2026,
) -> Demo:
    """The demo season for this geography (placement's `/v1/reference`) and questionnaire
    (survey's definition; None: no responses)."""
    if not 0 < scale <= 1:
        raise ValueError("scale must be in (0, 1]")
    rng = random.Random(seed)
    names = Names(rng)
    geo = places(reference)
    season = SeasonPlan(
        season_id=f"demo-{year}-summer",
        name=f"{year} 年暑期“返家乡”社会实践（演示）",
        on_post_start=date(year, 7, 6),
        on_post_end=date(year, 8, 21),
    )
    committees = tuple(
        Committee(
            p.org, V.COMMITTEE_NAMES.get(p.org, f"共青团{p.prefix}委员会"), f"1370000{p.org[-4:]}"
        )
        for p in geo
    )
    units = _units(rng, names, geo, scaled(FULL["units"], scale))
    posts = _posts(rng, units, scaled(FULL["posts"], scale))
    students = _students(rng, names, geo, posts, scale)
    interviews = _interviews(rng, students, posts)
    cities = list(dict.fromkeys(s.city for s in sorted(students, key=_university_order)))
    liaisons = tuple(
        Liaison(city, names.person(), f"134{i:08d}") for i, city in enumerate(cities, start=1)
    )
    responses = (
        survey_responses(
            rng,
            questionnaire,
            students,
            scaled(FULL["responses"], scale),
            geo_names(geo),
            prefix=season.season_id,
        )
        if questionnaire is not None
        else ()
    )
    return Demo(
        seed=seed,
        scale=scale,
        season=season,
        committees=committees,
        liaisons=liaisons,
        units=units,
        posts=posts,
        students=students,
        interviews=interviews,
        responses=responses,
    )


def geo_names(geo: Sequence[Place]) -> dict[str, str]:
    """Home org → the questionnaire's county label (开发区 for the zone)."""
    return {p.org: ("开发区" if p.org != p.county else p.name) for p in geo}


def _university_order(s: Student) -> int:
    return [u[0] for u in V.UNIVERSITIES].index(s.university)


# --- units ---------------------------------------------------------------------------------


def _units(rng: random.Random, names: Names, geo: list[Place], n: int) -> tuple[Unit, ...]:
    zone_orgs = {p.org for p in geo if p.org != p.county}
    shares = {CITY: V.UNIT_SHARES[CITY]} | {p.org: V.UNIT_SHARES.get(p.org, 10) for p in geo}
    counts = apportion(n, shares)
    by_org = {p.org: p for p in geo}
    taken: set[str] = set()
    units: list[Unit] = []
    for org, count in counts.items():
        kind = CITY if org == CITY else "zone" if org in zone_orgs else "district"
        for _ in range(count):
            for _attempt in range(200):
                unit_type = weighted(rng, V.UNIT_TYPES_BY_PLACE[kind])
                place = by_org.get(org)
                township = rng.choice(sorted(place.townships)) if place else None
                name = _unit_name(rng, unit_type, place, township)
                if name not in taken:
                    break
            else:  # pragma: no cover - the vocabulary has room for far more
                raise RuntimeError(f"no fresh unit name in {org}")
            taken.add(name)
            key = f"U{len(units) + 1:03d}"
            where = (
                f"阳泉市{place.name if place.org == place.county else ''}"
                f"{place.townships[township] if township else ''}"
                if place
                else "阳泉市城区"
            )
            units.append(
                Unit(
                    key=key,
                    name=name,
                    unit_type=unit_type,
                    county=place.county if place else CITY,
                    township=township,
                    address=f"{where}{rng.choice(V.COMMUNITIES)}路{rng.randint(1, 199)}号",
                    contact_name=names.person(),
                    contact_phone=f"136{len(units) + 1:08d}",
                    approver=org,
                )
            )
    return tuple(units)


def _unit_name(
    rng: random.Random, unit_type: str, place: Place | None, township: str | None
) -> str:
    prefix = place.prefix if place else "阳泉市"
    town = place.townships[township] if place and township else ""
    rural = town.endswith(("镇", "乡"))
    match unit_type:
        case "党政机关":
            if place and place.org != place.county:
                return prefix + rng.choice(
                    ("管委会办公室", "经济发展局", "社会事务局", "招商服务中心")
                )
            return prefix + rng.choice(V.DEPARTMENTS)
        case "事业单位":
            return prefix + rng.choice(V.INSTITUTIONS)
        case "群团组织":
            return prefix + rng.choice(V.MASS_ORGANISATIONS)
        case "国有企业":
            if place is None:
                return rng.choice(V.CITY_STATE_ENTERPRISES)
            return prefix + rng.choice(V.STATE_ENTERPRISES)
        case "民营企业":
            return "阳泉" + rng.choice(V.PRIVATE_WORDS) + rng.choice(V.PRIVATE_TRADES)
        case "街道/乡镇":
            return town + ("人民政府" if rural else "办事处")
        case "社区/村":
            if rural:
                return f"{town}{rng.choice(V.VILLAGES)}村民委员会"
            return f"{town}{rng.choice(V.COMMUNITIES)}社区居民委员会"
        case "青年之家":
            return f"{town or prefix}青年之家"
        case "社会组织":
            return prefix + rng.choice(V.SOCIAL_ORGANISATIONS)
        case "医院/学校":
            return prefix + rng.choice(V.HOSPITALS_SCHOOLS)
        case _:  # 融媒体
            return prefix + "融媒体中心"


# --- posts ---------------------------------------------------------------------------------

DUTIES = {
    "政务实践": "协助科室日常事务：材料整理、数据录入、会议记录，参与一次基层调研。",
    "企业实践": "在带教老师指导下参与部门业务，完成一份实践报告。",
    "公益服务": "参与公益项目的组织和实施，做好服务对象的登记与回访。",
    "社区服务": "走访社区居民，协助组织青少年和老年人活动，整理台账。",
    "乡村振兴": "入户调研，整理村集体经济和产业资料，协助开展文旅宣传。",
    "兼职锻炼": "协助开展团的工作和青年活动，列席有关会议。",
    "文化宣传": "参与选题策划、采访拍摄和稿件编辑，运营新媒体账号。",
    "云实践": "线上完成任务：资料搜集、内容制作，每周线上汇报一次。",
}
SAFETY = "上下班注意交通安全；外出走访须两人同行并向带教老师报备；高温天气注意防暑。"


def _posts(rng: random.Random, units: Sequence[Unit], n: int) -> tuple[Post, ...]:
    per_unit = dict.fromkeys((u.key for u in units), n // len(units))
    for u in rng.sample(list(units), n % len(units)):
        per_unit[u.key] += 1
    drafts, returned, submitted = round(0.02 * n), round(0.01 * n), round(0.04 * n)
    counts: dict[PostStatus, int] = {
        "draft": drafts,
        "returned": returned,
        "submitted": submitted,
        "published": n - drafts - returned - submitted,
    }
    statuses = [status for status, k in counts.items() for _ in range(k)]
    rng.shuffle(statuses)
    posts: list[Post] = []
    for unit in units:
        titles: set[str] = set()
        for _ in range(per_unit[unit.key]):
            category = rng.choice(V.CATEGORIES_BY_TYPE[unit.unit_type])
            title, majors = rng.choice(V.POST_TITLES[category])
            if title in titles:
                title = f"{title}（{len(titles) + 1}）"
            titles.add(title)
            capacity = weighted(rng, ((1, 45), (2, 35), (3, 15), (4, 5)))
            status = statuses[len(posts)]
            posts.append(
                Post(
                    key=f"P{len(posts) + 1:03d}",
                    unit=unit.key,
                    title=title,
                    category=category,
                    county=unit.county,
                    township=unit.township,
                    capacity=capacity,
                    majors=majors,
                    need=f"暑期{title}工作量大，需要{capacity}名返乡大学生协助。",
                    duties=DUTIES[category],
                    hours=rng.choice(V.HOURS),
                    supervisor=f"{rng.choice(V.SURNAMES)}老师（{rng.choice(V.SUPERVISOR_TITLES)}）",
                    subsidy=rng.choice(V.SUBSIDIES),
                    meals=rng.choice(V.MEALS),
                    safety_notes=SAFETY,
                    status=status,
                    return_reason=rng.choice(V.RETURN_REASONS) if status == "returned" else None,
                )
            )
    return tuple(posts)


# --- students ------------------------------------------------------------------------------

HOME_WEIGHTS = {"140302": 20, "140303": 15, "140311": 14, "140321": 24, "140322": 23}


def _students(
    rng: random.Random, names: Names, geo: list[Place], posts: Sequence[Post], scale: float
) -> tuple[Student, ...]:
    n = scaled(FULL["students"], scale)
    k = min(n, len(V.UNIVERSITIES), scaled(FULL["universities"], scale))
    used = V.UNIVERSITIES[:k]
    picks = list(used) + [
        weighted(rng, [(u, 3 if u[2] == "山西" else 1) for u in used]) for _ in range(n - k)
    ]
    rng.shuffle(picks)
    homes = {p.org: HOME_WEIGHTS.get(p.org, 4) for p in geo}
    by_org = {p.org: p for p in geo}
    published = [p for p in posts if p.status == "published"]
    popularity = {p.key: rng.lognormvariate(0, 0.6) for p in published}
    students: list[Student] = []
    for i, (university, city, province) in enumerate(picks, start=1):
        gender = "女" if rng.random() < 0.56 else "男"
        major, discipline = rng.choice(V.MAJORS)
        place = by_org[weighted(rng, list(homes.items()))]
        roll = rng.random()
        applies = roll < 0.94
        choices = _choices(rng, place, major, published, popularity) if applies else ()
        eligible = None if not choices else True if roll < 0.80 else False if roll < 0.83 else None
        students.append(
            Student(
                key=f"S{i:03d}",
                phone=f"135{i:08d}",
                name=names.person(gender),
                gender=gender,
                university=university,
                city=city,
                province=province,
                grade=weighted(rng, V.GRADES),
                major=major,
                discipline=discipline,
                home_county=place.county,
                home_township=rng.choice(sorted(place.townships)),
                political_status=weighted(rng, V.POLITICAL),
                publicity=rng.random() < 0.9,
                choices=choices,
                eligible=eligible,
                home_org=place.org,
                ineligible_reason=rng.choice(V.INELIGIBLE_REASONS) if eligible is False else None,
            )
        )
    return tuple(students)


def _choices(
    rng: random.Random,
    home: Place,
    major: str,
    published: Sequence[Post],
    popularity: Mapping[str, float],
) -> tuple[str, ...]:
    """志愿: mostly posts of the home county and 市直 (属地, 就近), those wanting the
    student's major first; now and then one post of another county."""
    local = [p for p in published if p.county in (home.county, CITY)]
    others = [p for p in published if p.county not in (home.county, CITY)]
    fit = [
        popularity[p.key] * (3.0 if major in p.majors else 1.0 if not p.majors else 0.3)
        for p in local
    ]
    count = weighted(rng, ((2, 15), (3, 35), (4, 25), (5, 25)))
    picked = sample_weighted(rng, local, fit, count)
    if others and rng.random() < 0.06:
        picked.insert(rng.randrange(len(picked) + 1), rng.choice(others))
        picked = picked[:count]
    return tuple(p.key for p in picked)


# --- interviews ----------------------------------------------------------------------------


def _interviews(
    rng: random.Random, students: Sequence[Student], posts: Sequence[Post]
) -> tuple[Interview, ...]:
    """Units interview the eligible applicants of their posts: most posts have scored them
    all, some have only set the times, a few have not started."""
    mode = {p.key: weighted(rng, (("scored", 75), ("scheduled", 15), ("none", 10))) for p in posts}
    out: list[Interview] = []
    for s in students:
        if not s.eligible:
            continue
        ability = rng.gauss(80, 7)
        for post in s.choices:
            if mode[post] == "none":
                continue
            place = rng.choice(V.INTERVIEW_PLACES)
            if mode[post] == "scheduled":
                out.append(Interview(s.key, post, rng.randint(24, 150), place, None))
            elif rng.random() < 0.04:
                out.append(
                    Interview(
                        s.key,
                        post,
                        -rng.randint(24, 200),
                        place,
                        None,
                        rng.choice(V.REFUSAL_REASONS),
                    )
                )
            else:
                scores = {
                    c: float(min(99, max(50, round(rng.gauss(ability, 6))))) for c in SCORE_CRITERIA
                }
                out.append(Interview(s.key, post, -rng.randint(24, 200), place, scores))
    return tuple(out)
