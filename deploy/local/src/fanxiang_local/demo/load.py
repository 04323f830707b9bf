"""Load a generated demo season into running services, only through their HTTP APIs, as the
people of the programme would: the coordinator opens the season and registers committees,
liaisons and units; units submit posts and committees approve them; students sign up, consent
and apply; committees decide eligibility; units interview and score; the questionnaire's
responses come in; matching previews and runs a round (left unpublished, for review).

Idempotent: every POST carries a deterministic ``Idempotency-Key`` (placement replays the
first answer), survey responses carry their own ids, and a season whose round exists is
recognised as loaded and left alone. A run interrupted halfway is completed by the next one.

Sign-in is the development one (docs/placement.md, Identity): outside production placement
answers a code request with the code itself (``dev_code``), and the coordinator
``13800000000`` (``PLACEMENT_BOOTSTRAP_COORDINATOR_PHONE``) exists from the first start.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from fanxiang_local.demo.generate import DEFAULT_SEED, generate
from fanxiang_local.demo.model import Demo, Interview, Post, Student, Unit

COORDINATOR_PHONE = "13800000000"
QUESTIONNAIRE_ID = "fanxiang-return-home-survey"
CONSENT_VERSION = "2026.1"

Headers = dict[str, str]


class DemoError(RuntimeError):
    """The demo could not be loaded; the message says which request failed and why."""


@dataclass
class Services:
    placement: httpx.AsyncClient
    matching: httpx.AsyncClient
    survey: httpx.AsyncClient


@dataclass
class Loaded:
    """What the load found or made: the services' ids for the demo's keys, and figures."""

    demo: Demo
    already: bool = False
    unit_ids: dict[str, str] = field(default_factory=dict)
    post_ids: dict[str, str] = field(default_factory=dict)
    student_ids: dict[str, str] = field(default_factory=dict)
    application_ids: dict[str, str] = field(default_factory=dict)
    round_id: str | None = None
    figures: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0


def next_season_year(now: datetime) -> int:
    """The summer the demo season is for: this year's until July, else next year's."""
    return now.year if now.date() < date(now.year, 7, 1) else now.year + 1


def _ok(response: httpx.Response, *also: int) -> Any:
    if response.status_code >= 300 and response.status_code not in also:
        raise DemoError(
            f"{response.request.method} {response.request.url.path} answered"
            f" {response.status_code}: {response.text[:500]}"
        )
    return response.json() if response.content else None


async def sign_in(placement: httpx.AsyncClient, phone: str) -> tuple[Headers, str]:
    """Headers with a bearer token for ``phone``, and the account id, by the development
    sign-in (the code comes back in the answer)."""
    sent = _ok(await placement.post("/v1/auth/codes", json={"phone": phone}))
    if not sent.get("dev_code"):
        raise DemoError(
            "placement does not show sign-in codes (FANXIANG_ENV=production?): the demo"
            " needs a development stack"
        )
    token = _ok(
        await placement.post("/v1/auth/tokens", json={"phone": phone, "code": sent["dev_code"]})
    )
    return {"Authorization": f"Bearer {token['access_token']}"}, token["subject"]


class Loader:
    def __init__(
        self,
        services: Services,
        demo: Demo,
        *,
        say: Callable[[str], None] = lambda _: None,
        concurrency: int = 8,
        coordinator_phone: str = COORDINATOR_PHONE,
    ) -> None:
        self.s = services
        self.demo = demo
        self.say = say
        self.limit = asyncio.Semaphore(concurrency)
        self.coordinator_phone = coordinator_phone
        self.tokens: dict[str, Headers] = {}
        self.locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self.now = datetime.now(UTC)
        self.out = Loaded(demo)
        self.season = demo.season.season_id

    # --- plumbing ------------------------------------------------------------------------

    async def who(self, phone: str) -> Headers:
        """The token of ``phone``, signing in once (a second code would void the first)."""
        async with self.locks[phone]:
            if phone not in self.tokens:
                self.tokens[phone], _ = await sign_in(self.s.placement, phone)
        return self.tokens[phone]

    def key(self, *parts: str) -> str:
        return ":".join(("demo", self.season, *parts))

    async def post(
        self,
        client: httpx.AsyncClient,
        path: str,
        body: dict[str, Any],
        headers: Headers,
        key: str | None,
        *also: int,
    ) -> Any:
        extra = {"Idempotency-Key": key} if key else {}
        return _ok(await client.post(path, json=body, headers={**headers, **extra}), *also)

    async def each(
        self, what: str, items: Iterable[Any], work: Callable[[Any], Awaitable[None]]
    ) -> None:
        """Run ``work`` over ``items`` a few at a time, then say how long it took."""
        todo = list(items)
        started = time.monotonic()

        async def one(item: Any) -> None:
            async with self.limit:
                await work(item)

        await asyncio.gather(*(one(i) for i in todo))
        self.say(f"  {what} ({time.monotonic() - started:.1f} s)")

    def at(self, days: int = 0, hours: int = 0) -> str:
        return (self.now + timedelta(days=days, hours=hours)).isoformat()

    # --- the steps ----------------------------------------------------------------------

    async def already_loaded(self) -> bool:
        boss = await self.who(self.coordinator_phone)
        season = await self.s.placement.get(f"/v1/seasons/{self.season}", headers=boss)
        if season.status_code == 404:
            return False
        _ok(season)
        found = _ok(
            await self.s.matching.get("/v1/rounds", params={"season_id": self.season}, headers=boss)
        )
        rounds = [r for r in found if r.get("status") != "failed"]  # a failed round: run again
        if rounds:
            self.out.round_id = rounds[-1]["round_id"]
        return bool(rounds)

    async def open_season(self) -> None:
        plan = self.demo.season
        body = {
            "season_id": plan.season_id,
            "name": plan.name,
            "posts_open": self.at(plan.posts_days[0]),
            "posts_close": self.at(plan.posts_days[1]),
            "applications_open": self.at(plan.applications_days[0]),
            "applications_close": self.at(plan.applications_days[1]),
            "interviews_open": self.at(plan.interviews_days[0]),
            "interviews_close": self.at(plan.interviews_days[1]),
            "on_post_start": plan.on_post_start.isoformat(),
            "on_post_end": plan.on_post_end.isoformat(),
            "max_choices": plan.max_choices,
        }
        boss = await self.who(self.coordinator_phone)
        # 409: the season exists already (an interrupted load made it without this key).
        await self.post(self.s.placement, "/v1/seasons", body, boss, self.key("season"), 409)
        self.say(f"  season {plan.season_id}")

    async def accounts(self) -> None:
        boss = await self.who(self.coordinator_phone)
        bodies = [
            {"phone": c.phone, "role": "county", "name": c.name, "county": c.org}
            for c in self.demo.committees
        ] + [
            {
                "phone": li.phone,
                "role": "liaison",
                "name": f"{li.city}联络员{li.name}",
                "city": li.city,
            }
            for li in self.demo.liaisons
        ]

        async def create(body: dict[str, Any]) -> None:
            # 409: the phone has an account already (made before, without this key).
            await self.post(
                self.s.placement,
                "/v1/accounts",
                body,
                boss,
                self.key("account", body["phone"]),
                409,
            )

        await self.each(
            f"{len(self.demo.committees)} committees and {len(self.demo.liaisons)} liaisons registered",
            bodies,
            create,
        )

    async def units(self) -> None:
        boss = await self.who(self.coordinator_phone)

        async def create(unit: Unit) -> None:
            body = {
                "name": unit.name,
                "unit_type": unit.unit_type,
                "county": unit.county,
                "address": unit.address,
                "contact_name": unit.contact_name,
                "contact_phone": unit.contact_phone,
            }
            if unit.township:
                body["township"] = unit.township
            made = await self.post(
                self.s.placement, "/v1/units", body, boss, self.key("unit", unit.key)
            )
            self.out.unit_ids[unit.key] = made["unit_id"]

        await self.each(f"{len(self.demo.units)} units registered", self.demo.units, create)

    def approver(self, unit: Unit) -> str:
        if unit.approver == "city":
            return self.coordinator_phone
        return next(c.phone for c in self.demo.committees if c.org == unit.approver)

    async def posts(self) -> None:
        by_unit: dict[str, list[Post]] = defaultdict(list)
        for p in self.demo.posts:
            by_unit[p.unit].append(p)

        async def offer(unit_key: str) -> None:
            me = await self.who(self.demo.unit(unit_key).contact_phone)
            for p in by_unit[unit_key]:
                made = await self.post(
                    self.s.placement, "/v1/posts", self.post_body(p), me, self.key("post", p.key)
                )
                self.out.post_ids[p.key] = made["post_id"]
                if p.status != "draft":
                    await self.post(
                        self.s.placement,
                        f"/v1/posts/{made['post_id']}/submit",
                        {},
                        me,
                        self.key("submit", p.key),
                    )

        await self.each(
            f"{len(by_unit)} units offered {len(self.demo.posts)} posts", by_unit, offer
        )

        async def decide(p: Post) -> None:
            judge = await self.who(self.approver(self.demo.unit(p.unit)))
            post_id = self.out.post_ids[p.key]
            if p.status == "published":
                await self.post(
                    self.s.placement,
                    f"/v1/posts/{post_id}/approve",
                    {},
                    judge,
                    self.key("approve", p.key),
                )
            else:
                await self.post(
                    self.s.placement,
                    f"/v1/posts/{post_id}/return",
                    {"reason": p.return_reason},
                    judge,
                    self.key("return", p.key),
                )

        decided = [p for p in self.demo.posts if p.status in ("published", "returned")]
        await self.each(
            f"{len(decided)} posts approved or returned by the committees", decided, decide
        )

    def post_body(self, p: Post) -> dict[str, Any]:
        plan = self.demo.season
        body: dict[str, Any] = {
            "season_id": self.season,
            "title": p.title,
            "category": p.category,
            "county": p.county,
            "address": self.demo.unit(p.unit).address,
            "need": p.need,
            "duties": p.duties,
            "capacity": p.capacity,
            "starts_on": plan.on_post_start.isoformat(),
            "ends_on": plan.on_post_end.isoformat(),
            "hours": p.hours,
            "majors": list(p.majors),
            "supervisor": p.supervisor,
            "subsidy": p.subsidy,
            "meals": p.meals,
            "safety_notes": p.safety_notes,
        }
        if p.township:
            body["township"] = p.township
        return body

    async def students(self) -> None:
        async def sign_up(s: Student) -> None:
            me, account = await sign_in(self.s.placement, s.phone)
            self.tokens[s.phone] = me
            self.out.student_ids[s.key] = account
            profile = {
                "name": s.name,
                "university": s.university,
                "university_city": s.city,
                "university_province": s.province,
                "grade": s.grade,
                "major": s.major,
                "discipline": s.discipline,
                "home_county": s.home_county,
                "home_township": s.home_township,
                "political_status": s.political_status,
            }
            _ok(await self.s.placement.put("/v1/students/me", json=profile, headers=me))
            consents = [("share_with_units", True), ("publicity", s.publicity)]
            for purpose, granted in consents:
                await self.post(
                    self.s.placement,
                    "/v1/students/me/consents",
                    {"purpose": purpose, "granted": granted, "version": CONSENT_VERSION},
                    me,
                    self.key("consent", purpose),
                )
            if s.choices:
                body = {
                    "season_id": self.season,
                    "choices": [self.out.post_ids[c] for c in s.choices],
                }
                made = await self.post(
                    self.s.placement, "/v1/applications", body, me, self.key("apply")
                )
                self.out.application_ids[s.key] = made["application_id"]

        await self.each(
            f"{len(self.demo.students)} students signed up, {len(self.demo.applicants)} applied",
            self.demo.students,
            sign_up,
        )

    async def eligibility(self) -> None:
        decided = [s for s in self.demo.students if s.eligible is not None]

        async def decide(s: Student) -> None:
            org = next(c for c in self.demo.committees if c.org == s.home_org)
            body: dict[str, Any] = {"eligible": s.eligible}
            if not s.eligible:
                body["reason"] = s.ineligible_reason
            await self.post(
                self.s.placement,
                f"/v1/applications/{self.out.application_ids[s.key]}/eligibility",
                body,
                await self.who(org.phone),
                self.key("eligibility", s.key),
            )

        await self.each(
            f"{len(decided)} applications decided by the home committees", decided, decide
        )

    async def interviews(self) -> None:
        by_unit: dict[str, list[Interview]] = defaultdict(list)
        for i in self.demo.interviews:
            by_unit[self.demo.post(i.post).unit].append(i)

        async def interview(unit_key: str) -> None:
            me = await self.who(self.demo.unit(unit_key).contact_phone)
            for i in by_unit[unit_key]:
                base = (
                    f"/v1/posts/{self.out.post_ids[i.post]}/applicants/"
                    f"{self.out.application_ids[i.student]}"
                )
                what = f"{i.post}:{i.student}"
                await self.post(
                    self.s.placement,
                    f"{base}/interview",
                    {"at": self.at(hours=i.in_hours), "place": i.place},
                    me,
                    self.key("interview", what),
                )
                if i.scores is not None:
                    await self.post(
                        self.s.placement,
                        f"{base}/score",
                        {"scores": i.scores},
                        me,
                        self.key("score", what),
                    )
                elif i.refusal is not None:
                    await self.post(
                        self.s.placement,
                        f"{base}/refuse",
                        {"reason": i.refusal},
                        me,
                        self.key("refuse", what),
                    )

        await self.each(
            f"{len(self.demo.interviews)} interviews scheduled by {len(by_unit)} units,"
            f" {sum(1 for i in self.demo.interviews if i.scores)} scored,"
            f" {sum(1 for i in self.demo.interviews if i.refusal)} refused",
            by_unit,
            interview,
        )

    async def survey(self) -> None:
        boss = await self.who(self.coordinator_phone)
        answers = list(enumerate(self.demo.responses))

        async def answer(item: tuple[int, Any]) -> None:
            n, r = item
            body: dict[str, Any] = {
                "answers": r.answers,
                "response_id": r.key,
                # Spread over the last ten days, as an online questionnaire fills up.
                "submitted_at": (self.now - timedelta(hours=(n * 7) % 240)).isoformat(),
            }
            if r.student is not None and r.student in self.out.student_ids:
                body["student_id"] = self.out.student_ids[r.student]
            await self.post(
                self.s.survey, f"/v1/questionnaires/{QUESTIONNAIRE_ID}/responses", body, boss, None
            )

        await self.each(f"{len(answers)} questionnaire responses", answers, answer)

    async def match(self, within: float = 90.0) -> None:
        """Wait until matching has read the season (it learns it from placement's events),
        preview a round, and run one for the coordinator to review and publish."""
        boss = await self.who(self.coordinator_phone)
        students = sum(1 for s in self.demo.students if s.eligible)
        posts = len(self.demo.published)
        started = time.monotonic()
        figures: dict[str, Any] = {}
        while time.monotonic() - started < within:
            answer = await self.s.matching.post(
                "/v1/rounds/preview", json={"season_id": self.season}, headers=boss
            )
            if answer.status_code == 200:
                figures = answer.json()["figures"]
                if (figures["students"], figures["posts"]) == (students, posts):
                    break
            elif answer.status_code != 422:  # 422: no posts in matching's read model yet
                _ok(answer)
            await asyncio.sleep(0.5)
        else:
            raise DemoError(
                f"matching did not catch up within {within:.0f} s: it sees {figures.get('students')}"
                f" of {students} eligible students and {figures.get('posts')} of {posts} posts"
            )
        await self.verdicts_arrived(boss, started + within)
        preview = _ok(
            await self.s.matching.post(
                "/v1/rounds/preview", json={"season_id": self.season}, headers=boss
            )
        )
        self.say(
            f"  round previewed: {preview['figures']['placed']} of {students} students placed,"
            f" fill rate {preview['figures']['fill_rate']:.0%}"
        )
        made = _ok(
            await self.s.matching.post("/v1/rounds", json={"season_id": self.season}, headers=boss)
        )
        self.out.round_id = made["round_id"]
        self.out.figures = preview["figures"]
        await self.round_solved(boss, made["round_id"], started + within)
        self.say(f"  round {made['round_id']} run and waiting for review (not published)")

    async def round_solved(self, boss: Headers, round_id: str, deadline: float) -> None:
        """Matching solves a round in the background (202, status 'running'): wait for it."""
        while True:
            found = _ok(await self.s.matching.get(f"/v1/rounds/{round_id}", headers=boss))
            if found.get("status", "run") != "running":
                break
            if time.monotonic() > deadline:
                raise DemoError(f"round {round_id} is still running")
            await asyncio.sleep(0.3)
        if found.get("status") == "failed":
            raise DemoError(f"round {round_id} failed: {found.get('error')}")

    async def verdicts_arrived(self, boss: Headers, deadline: float) -> None:
        """Every score and refusal is in matching's read model (they change the round)."""
        expected: dict[str, set[str]] = defaultdict(set)
        for i in self.demo.interviews:
            if i.scores is not None or i.refusal is not None:
                expected[self.out.application_ids[i.student]].add(self.out.post_ids[i.post])
        waiting = set(expected)
        while waiting:
            for application_id in sorted(waiting):
                answer = await self.s.matching.get(
                    f"/v1/read-model/applications/{application_id}", headers=boss
                )
                if answer.status_code == 200:
                    have = {
                        p["post_id"]
                        for p in answer.json()["posts"]
                        if p["score"] is not None or p["refused"]
                    }
                    if expected[application_id] <= have:
                        waiting.discard(application_id)
            if waiting and time.monotonic() > deadline:
                raise DemoError(
                    f"matching has not seen the interviews of {len(waiting)} applications"
                )
            if waiting:
                await asyncio.sleep(0.5)

    async def run(self) -> Loaded:
        started = time.monotonic()
        if await self.already_loaded():
            self.out.already = True
            self.say(f"the demo season {self.season} is loaded already; nothing to do")
            return self.out
        self.say(f"loading the demo season {self.season} (seed {self.demo.seed}) …")
        await self.open_season()
        await self.accounts()
        await self.units()
        await self.posts()
        await self.students()
        await self.eligibility()
        await self.interviews()
        await self.survey()
        await self.match()
        self.out.seconds = time.monotonic() - started
        self.say(f"loaded in {self.out.seconds:.0f} s")
        return self.out


async def prepare(
    services: Services, *, seed: int = DEFAULT_SEED, scale: float = 1.0
) -> tuple[Demo, Headers]:
    """The demo season for the services' own geography and questionnaire, and the
    coordinator's headers."""
    reference = _ok(await services.placement.get("/v1/reference"))
    boss, _ = await sign_in(services.placement, COORDINATOR_PHONE)
    questionnaire = _ok(
        await services.survey.get(f"/v1/questionnaires/{QUESTIONNAIRE_ID}", headers=boss)
    )
    demo = generate(
        reference,
        questionnaire,
        seed=seed,
        scale=scale,
        year=next_season_year(datetime.now(UTC)),
    )
    return demo, boss


async def load(
    services: Services,
    *,
    seed: int = DEFAULT_SEED,
    scale: float = 1.0,
    say: Callable[[str], None] = lambda _: None,
    concurrency: int = 8,
) -> Loaded:
    """Generate the demo season and load it (or find it loaded)."""
    demo, boss = await prepare(services, seed=seed, scale=scale)
    loader = Loader(services, demo, say=say, concurrency=concurrency)
    loader.tokens[COORDINATOR_PHONE] = boss
    return await loader.run()


def sign_in_guide(loaded: Loaded, web_url: str) -> str:
    """How a newcomer signs in as each kind of person (printed by `fanxiang stack demo`)."""
    demo = loaded.demo
    interviewed = {i.student for i in demo.interviews if i.scores}
    student = next((s for s in demo.students if s.key in interviewed), demo.students[0])
    busy = {
        demo.post(i.post).unit for i in demo.interviews if i.scores is None and i.refusal is None
    }
    unit = next((u for u in demo.units if u.key in busy), demo.units[0])
    county = next((c for c in demo.committees if c.org == student.home_org), demo.committees[0])
    lines = [
        "",
        f"Demo season {demo.season.season_id}: {len(demo.units)} units, {len(demo.posts)} posts,"
        f" {len(demo.students)} students from {len(demo.universities)} universities in"
        f" {len(demo.cities)} cities, {len(demo.responses)} questionnaire responses.",
        f"Sign in at {web_url}/login with one of these phones; outside production the page"
        " shows the six-digit code after 获取验证码:",
        f"  student       {student.phone}  {student.name}（{student.university}）",
        f"  unit          {unit.contact_phone}  {unit.name}",
        f"  county        {county.phone}  {county.name}",
        f"  coordinator   {COORDINATOR_PHONE}  团市委",
        "More in docs/demo.md (every student is 135xxxxxxxx, units 136…, committees 137…,"
        " liaisons 134…).",
    ]
    if loaded.round_id:
        lines.append(f"Round {loaded.round_id} waits for the coordinator's review: 匹配 → 发布.")
    return "\n".join(lines)
