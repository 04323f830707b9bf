"""The season test (issue 8): one whole season through every service, over HTTP and Kafka,
against the running system (`fanxiang stack up`: PostgreSQL, Kafka and the five services as
real processes).

Units submit posts, the county approves (and returns one, which comes back), students apply,
the county decides eligibility, units interview and score, the coordinator previews, runs and
publishes the match, offers reach placement, students accept (one declines) and sign the 承诺书,
the county fixes the posts (定岗, with ID numbers), units confirm arrival and complete, students
answer the survey and the coordinator reads its analysis.

After every step each person reads their inbox through notify's API, and it must hold exactly
the notifications that step causes (docs/notify.md, "What it sends") — each once, nothing
else. Nobody writes another service's tables or events: placement's events reach matching and
notify, matching's offers reach placement and notify, over Kafka, as in production.

The season, small enough to follow by hand (everyone lives in 城区, 140302):

    post                             unit            seats  applicants (score)
    A1 政务服务窗口助理              城区政府办公室   1      赵一 90, 钱二 80, 李四 70
    A2 社区青年服务岗 (returned once) 城区政府办公室   1      孙三 88, 周五 refused (不录用)
    B1 新闻采编实习 (市直)           市融媒体中心     2      钱二 95, 周五 85, 赵一 60

    student  choices   eligible   matched
    赵一     A1, B1    yes        A1 (first choice)
    钱二     B1, A1    yes        B1
    孙三     A2, A1    yes        A2 (A1 did not interview 孙三: not acceptable there)
    李四     A1        yes        — (A1 keeps 赵一, its only seat)
    周五     B1, A2    yes        B1, then declines the offer
    吴六     A1        no         — (ineligible: not in the round)
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from fanxiang_local.demo.load import COORDINATOR_PHONE, QUESTIONNAIRE_ID, sign_in
from fanxiang_local.demo.model import Student
from fanxiang_local.demo.survey import survey_responses
from tests.e2e.season_steps import Inboxes, System, id_number, ok, poll, running_system

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

SEASON = "season-test-summer"
CHENGQU = "140302"
COMMITTEE_PHONE = "13700000302"
UNIT_A = {
    "name": "城区人民政府办公室",
    "unit_type": "党政机关",
    "county": CHENGQU,
    "township": "140302003",
    "address": "阳泉市城区北大街",
    "contact_name": "王老师",
    "contact_phone": "13600000001",
}
UNIT_B = {
    "name": "阳泉市融媒体中心",
    "unit_type": "融媒体",
    "county": "city",
    "address": "阳泉市城区桃北西街",
    "contact_name": "刘老师",
    "contact_phone": "13600000002",
}
CONSENT_VERSION = "2026.1"
CRITERIA = ("综合分析", "言语表达", "应变能力", "专业匹配")


def student(key: str, phone: str, name: str, gender: str, major: str, placed: bool) -> Student:
    """A student of 城区 studying in 太原 (the demo's model, so the demo's survey answers fit)."""
    return Student(
        key=key,
        phone=phone,
        name=name,
        gender=gender,
        university="山西大学",
        city="太原",
        province="山西",
        grade="大二",
        major=major,
        discipline="文学",
        home_county=CHENGQU,
        home_township="140302001",
        political_status="共青团员",
        publicity=True,
        choices=(),
        eligible=placed,  # the survey's answers lean on it: "took part in a post" or not
        home_org=CHENGQU,
    )


STUDENTS = {
    "赵一": student("s1", "13500000001", "赵一", "男", "行政管理", placed=True),
    "钱二": student("s2", "13500000002", "钱二", "女", "新闻学", placed=True),
    "孙三": student("s3", "13500000003", "孙三", "男", "社会工作", placed=True),
    "李四": student("s4", "13500000004", "李四", "女", "汉语言文学", placed=False),
    "周五": student("s5", "13500000005", "周五", "女", "新闻学", placed=False),
    "吴六": student("s6", "13500000006", "吴六", "男", "法学", placed=False),
}


def post_body(title: str, category: str, county: str, capacity: int, **more: Any) -> dict[str, Any]:
    return {
        "season_id": SEASON,
        "title": title,
        "category": category,
        "county": county,
        "capacity": capacity,
        "duties": "协助日常工作。",
        "starts_on": "2027-07-05",
        "ends_on": "2027-08-20",
        "hours": "工作日 9:00-17:00",
        "supervisor": "王老师（办公室主任）",
        **more,
    }


@pytest.fixture(scope="module")
def system() -> Iterator[System]:
    with running_system() as s:
        yield s


async def test_a_whole_season_through_every_service(system: System) -> None:
    started = time.monotonic()
    timeout = httpx.Timeout(60.0)
    async with (
        httpx.AsyncClient(base_url=system.urls["placement"], timeout=timeout) as placement,
        httpx.AsyncClient(base_url=system.urls["matching"], timeout=timeout) as matching,
        httpx.AsyncClient(base_url=system.urls["survey"], timeout=timeout) as survey,
        httpx.AsyncClient(base_url=system.urls["notify"], timeout=timeout) as notify,
    ):
        await _season(placement, matching, survey, notify)
    print(f"the season took {time.monotonic() - started:.0f} s")


async def _season(
    placement: httpx.AsyncClient,
    matching: httpx.AsyncClient,
    survey: httpx.AsyncClient,
    notify: httpx.AsyncClient,
) -> None:
    inboxes = Inboxes(notify)
    now = datetime.now(UTC)

    # --- 1. The coordinator opens the season, registers 城区's committee and two units. ------
    boss, _ = await sign_in(placement, COORDINATOR_PHONE)
    ok(
        await placement.post(
            "/v1/seasons",
            headers=boss,
            json={
                "season_id": SEASON,
                "name": "2027 年暑期“返家乡”社会实践（季度测试）",
                "posts_open": (now - timedelta(days=1)).isoformat(),
                "posts_close": (now + timedelta(days=10)).isoformat(),
                "applications_open": (now - timedelta(days=1)).isoformat(),
                "applications_close": (now + timedelta(days=12)).isoformat(),
                "interviews_open": (now - timedelta(days=1)).isoformat(),
                "interviews_close": (now + timedelta(days=20)).isoformat(),
                "on_post_start": "2027-07-05",
                "on_post_end": "2027-08-20",
                "max_choices": 3,
            },
        ),
        201,
    )
    ok(
        await placement.post(
            "/v1/accounts",
            headers=boss,
            json={
                "phone": COMMITTEE_PHONE,
                "role": "county",
                "name": "共青团阳泉市城区委员会",
                "county": CHENGQU,
            },
        ),
        201,
    )
    for unit in (UNIT_A, UNIT_B):
        assert (
            ok(await placement.post("/v1/units", headers=boss, json=unit), 201)["status"]
            == "active"
        )
    committee, _ = await sign_in(placement, COMMITTEE_PHONE)
    office_a, _ = await sign_in(placement, UNIT_A["contact_phone"])
    office_b, _ = await sign_in(placement, UNIT_B["contact_phone"])
    inboxes.reader("coordinator", boss)
    inboxes.reader("城区团委", committee)
    inboxes.reader("unit A", office_a)
    inboxes.reader("unit B", office_b)
    # Students sign themselves up: their first code request makes the account.
    me: dict[str, dict[str, str]] = {}
    student_id: dict[str, str] = {}
    for name, s in STUDENTS.items():
        me[name], student_id[name] = await sign_in(placement, s.phone)
        inboxes.reader(name, me[name])
    await inboxes.settle("1. accounts opened (a sign-in code goes by SMS, never to the inbox)")

    # --- 2. Units offer posts (因需设岗) and submit them to their approvers. ----------------
    a1 = ok(
        await placement.post(
            "/v1/posts",
            headers=office_a,
            json=post_body(
                "政务服务窗口助理", "政务实践", CHENGQU, 1, township="140302003", majors=[]
            ),
        ),
        201,
    )
    a2 = ok(
        await placement.post(
            "/v1/posts",
            headers=office_a,
            json=post_body("社区服务岗", "社区服务", CHENGQU, 1, township="140302003"),
        ),
        201,
    )
    b1 = ok(
        await placement.post(
            "/v1/posts", headers=office_b, json=post_body("新闻采编实习", "文化宣传", "city", 2)
        ),
        201,
    )
    for post, office in ((a1, office_a), (a2, office_a), (b1, office_b)):
        assert post["status"] == "draft"
        submitted = ok(await placement.post(f"/v1/posts/{post['post_id']}/submit", headers=office))
        assert submitted["status"] == "submitted"
    assert (a1["managing_org"], b1["managing_org"]) == (CHENGQU, "city")
    inboxes.expect("城区团委", "post-to-approve", "post-to-approve")
    inboxes.expect("coordinator", "post-to-approve")  # 市直 posts are the coordinator's
    await inboxes.settle("2. posts submitted")
    to_approve = await inboxes.one("coordinator", "post-to-approve")
    assert "新闻采编实习" in to_approve["body"], to_approve

    # --- 3. The committee approves A1 and returns A2; the unit mends A2 and it is approved;
    #        the coordinator approves the 市直 post B1. ------------------------------------
    approved = ok(await placement.post(f"/v1/posts/{a1['post_id']}/approve", headers=committee))
    assert approved["status"] == "published"
    reason = "岗位职责写得太笼统，请写明每天做什么。"
    returned = ok(
        await placement.post(
            f"/v1/posts/{a2['post_id']}/return", headers=committee, json={"reason": reason}
        )
    )
    assert (returned["status"], returned["return_reason"]) == ("returned", reason)
    assert (
        await placement.post(f"/v1/posts/{b1['post_id']}/approve", headers=committee)
    ).status_code in (403, 404), "a county committee does not approve 市直 posts"
    ok(await placement.post(f"/v1/posts/{b1['post_id']}/approve", headers=boss))
    inboxes.expect("unit A", "post-approved", "post-returned")
    inboxes.expect("unit B", "post-approved")
    await inboxes.settle("3a. A1 and B1 approved, A2 returned")
    assert reason in (await inboxes.one("unit A", "post-returned"))["body"]

    mended = post_body(
        "社区青年服务岗",
        "社区服务",
        CHENGQU,
        1,
        township="140302003",
        duties="走访社区，协助组织青少年暑期活动，整理活动台账。",
    )
    mended.pop("season_id")
    ok(await placement.put(f"/v1/posts/{a2['post_id']}", headers=office_a, json=mended))
    ok(await placement.post(f"/v1/posts/{a2['post_id']}/submit", headers=office_a))
    inboxes.expect("城区团委", "post-to-approve")  # the same post again: a new submission
    await inboxes.settle("3b. A2 mended and submitted again")
    ok(await placement.post(f"/v1/posts/{a2['post_id']}/approve", headers=committee))
    inboxes.expect("unit A", "post-approved")
    await inboxes.settle("3c. A2 approved")
    listed = ok(
        await placement.get(
            "/v1/posts", params={"season_id": SEASON, "status": "published"}, headers=me["赵一"]
        )
    )
    assert {p["title"] for p in listed["items"]} == {
        "政务服务窗口助理",
        "社区青年服务岗",
        "新闻采编实习",
    }
    post = {"A1": a1["post_id"], "A2": a2["post_id"], "B1": b1["post_id"]}
    title = {"A1": "政务服务窗口助理", "A2": "社区青年服务岗", "B1": "新闻采编实习"}

    # --- 4. Students fill in their profiles, consent to share them with units, and apply. ---
    choices = {
        "赵一": ["A1", "B1"],
        "钱二": ["B1", "A1"],
        "孙三": ["A2", "A1"],
        "李四": ["A1"],
        "周五": ["B1", "A2"],
        "吴六": ["A1"],
    }
    application: dict[str, str] = {}
    for name, s in STUDENTS.items():
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
        ok(await placement.put("/v1/students/me", headers=me[name], json=profile))
        for purpose in ("share_with_units", "publicity"):
            ok(
                await placement.post(
                    "/v1/students/me/consents",
                    headers=me[name],
                    json={"purpose": purpose, "granted": True, "version": CONSENT_VERSION},
                ),
                201,
            )
        made = ok(
            await placement.post(
                "/v1/applications",
                headers=me[name],
                json={"season_id": SEASON, "choices": [post[c] for c in choices[name]]},
            ),
            201,
        )
        application[name] = made["application_id"]
        inboxes.expect(name, "application-received")
    await inboxes.settle("4. applications submitted")

    # --- 5. 城区's committee decides eligibility (属地): 吴六 is not eligible. ---------------
    for name in STUDENTS:
        body: dict[str, Any] = {"eligible": name != "吴六"}
        if name == "吴六":
            body["reason"] = "户籍不在城区，请向户籍所在县区团委申请。"
        decided = ok(
            await placement.post(
                f"/v1/applications/{application[name]}/eligibility", headers=committee, json=body
            )
        )
        assert decided["status"] == ("ineligible" if name == "吴六" else "eligible"), decided
        inboxes.expect(name, "eligibility-decided")
    await inboxes.settle("5. eligibility decided")
    assert "户籍不在城区" in (await inboxes.one("吴六", "eligibility-decided"))["body"]

    # --- 6. Units interview their applicants (双向选择) and score them, or refuse one. -------
    # Two hours from now: no 24-hours-before reminder is due (that moment has passed).
    at = (now + timedelta(hours=2)).isoformat()
    verdicts: list[tuple[str, str, dict[str, str], int | None]] = [
        ("A1", "赵一", office_a, 90),
        ("A1", "钱二", office_a, 80),
        ("A1", "李四", office_a, 70),
        ("A2", "孙三", office_a, 88),
        ("A2", "周五", office_a, None),  # 不录用
        ("B1", "钱二", office_b, 95),
        ("B1", "周五", office_b, 85),
        ("B1", "赵一", office_b, 60),
    ]
    for key, name, office, score in verdicts:
        base = f"/v1/posts/{post[key]}/applicants/{application[name]}"
        ok(
            await placement.post(
                f"{base}/interview", headers=office, json={"at": at, "place": "二楼会议室"}
            )
        )
        if score is None:
            ok(
                await placement.post(
                    f"{base}/refuse", headers=office, json={"reason": "专业不对口"}
                )
            )
            inboxes.expect(name, "applicant-refused")  # the outcome, not the unit's reason
        else:
            scored = ok(
                await placement.post(
                    f"{base}/score", headers=office, json={"scores": dict.fromkeys(CRITERIA, score)}
                )
            )
            assert scored["overall"] == score, scored
        inboxes.expect(name, "interview-scheduled")
        inboxes.expect("unit A" if office is office_a else "unit B", "applicant-to-score")
    ranked = ok(await placement.get(f"/v1/posts/{post['A1']}/applicants", headers=office_a))
    # Best score first; those not interviewed (孙三, who ranked A1 second) and the ineligible
    # 吴六 come after.
    assert [(a["name"], a["overall"]) for a in ranked["items"]][:3] == [
        ("赵一", 90),
        ("钱二", 80),
        ("李四", 70),
    ], ranked
    assert {a["name"] for a in ranked["items"][3:]} == {"孙三", "吴六"}
    await inboxes.settle("6. interviews scheduled and scored")

    # --- 7. The coordinator previews, runs and publishes the match (matching's read model
    #        is built from placement's events on Kafka). ---------------------------------
    async def sees_the_season() -> dict[str, Any] | None:
        answer = await matching.post("/v1/rounds/preview", json={"season_id": SEASON}, headers=boss)
        if answer.status_code == 422:  # nothing of the season in matching's read model yet
            return None
        figures: dict[str, Any] = ok(answer)["figures"]
        return figures if (figures["students"], figures["posts"]) == (5, 3) else None

    await poll(sees_the_season, what="matching sees 5 eligible students and 3 posts")

    async def verdicts_arrived() -> bool:
        for key, name, _, score in verdicts:
            answer = await matching.get(
                f"/v1/read-model/applications/{application[name]}", headers=boss
            )
            if answer.status_code != 200:
                return False
            seen = {p["post_id"]: p for p in answer.json()["posts"]}.get(post[key])
            if seen is None:
                return False
            if score is None and not seen["refused"]:
                return False
            if score is not None and seen["score"] != score:
                return False
        return True

    await poll(verdicts_arrived, what="matching has every score and refusal")
    preview = ok(
        await matching.post("/v1/rounds/preview", json={"season_id": SEASON}, headers=boss)
    )
    assert preview["figures"]["placed"] == 4, preview["figures"]

    made = ok(await matching.post("/v1/rounds", json={"season_id": SEASON}, headers=boss), 202)
    round_id = made["round_id"]

    async def round_run() -> dict[str, Any] | None:
        found: dict[str, Any] = ok(await matching.get(f"/v1/rounds/{round_id}", headers=boss))
        assert found["status"] != "failed", found["error"]
        return found if found["status"] == "run" else None

    result = await poll(round_run, what=f"round {round_id} solved")
    by_post = {v: k for k, v in post.items()}
    matched = {
        name: by_post[result["assignments"][student_id[name]]]
        for name in STUDENTS
        if student_id[name] in result["assignments"]
    }
    assert matched == {"赵一": "A1", "钱二": "B1", "孙三": "A2", "周五": "B1"}, result
    assert result["checks"]["stable"] is True, result["checks"]
    await inboxes.settle("7a. the round run, waiting for review: nobody is told yet")
    published = ok(await matching.post(f"/v1/rounds/{round_id}/publish", headers=boss, json={}))
    assert published["status"] == "published"
    inboxes.expect("coordinator", "round-finished")
    for name in matched:
        inboxes.expect(name, "offer-made")
    inboxes.expect("李四", "not-placed")  # no seat left for her: told, not left waiting
    await inboxes.settle("7. the round published")
    offer = await inboxes.one("赵一", "offer-made")
    assert title["A1"] in offer["body"], offer

    # --- 8. Offers reach placement (matching → Kafka → placement); students answer them. ----
    placement_id: dict[str, str] = {}
    for name, key in matched.items():

        async def offered(who: str = name) -> list[dict[str, Any]]:
            found: list[dict[str, Any]] = ok(
                await placement.get("/v1/placements/mine", headers=me[who])
            )
            return found

        [p] = await poll(offered, what=f"{name}'s offer in placement")
        assert (p["status"], p["post_id"], p["round_id"]) == ("offered", post[key], round_id)
        placement_id[name] = p["placement_id"]
    assert ok(await placement.get("/v1/placements/mine", headers=me["李四"])) == []
    for name in ("赵一", "钱二", "孙三"):
        accepted = ok(
            await placement.post(f"/v1/placements/{placement_id[name]}/accept", headers=me[name])
        )
        assert accepted["status"] == "accepted"
        inboxes.expect(name, "training-reminder")
    declined = ok(
        await placement.post(
            f"/v1/placements/{placement_id['周五']}/decline",
            headers=me["周五"],
            json={"reason": "家中有事，暑期不在阳泉"},
        )
    )
    assert declined["status"] == "declined"
    inboxes.expect("unit A", "offer-accepted", "offer-accepted")  # 赵一 (A1), 孙三 (A2)
    inboxes.expect("unit B", "offer-accepted", "offer-declined")  # 钱二 accepts, 周五 declines
    await inboxes.settle("8. offers accepted and declined")
    seats = {key: ok(await placement.get(f"/v1/posts/{post[key]}", headers=boss)) for key in post}
    assert {k: (p["filled"], p["status"]) for k, p in seats.items()} == {
        "A1": (1, "full"),
        "A2": (1, "full"),
        "B1": (1, "published"),
    }
    onboarding = {n: placement_id[n] for n in ("赵一", "钱二", "孙三")}

    # --- 9. 岗前培训: the committee records the training. -----------------------------------
    for name, pid in onboarding.items():
        trained = ok(await placement.post(f"/v1/placements/{pid}/training", headers=committee))
        assert trained["status"] == "trained"
        inboxes.expect(name, "commitment-to-sign")
    await inboxes.settle("9. training attended")

    # --- 10. Students sign the 承诺书 with a confirmation code (sent like a sign-in code;
    #         outside production placement answers with it, `dev_code`). -----------------
    for name, pid in onboarding.items():
        text = ok(await placement.get(f"/v1/placements/{pid}/commitment", headers=me[name]))
        assert name in text["text"] and not text["signed"]
        code = ok(
            await placement.post(f"/v1/placements/{pid}/commitment/code", headers=me[name]), 202
        )
        signed = ok(
            await placement.post(
                f"/v1/placements/{pid}/commitment",
                headers=me[name],
                json={
                    "typed_name": name,
                    "code": code["dev_code"],
                    "text_sha256": text["text_sha256"],
                },
            )
        )
        assert signed["status"] == "committed"
    await inboxes.settle("10. 承诺书 signed (the code goes by SMS only)")

    # --- 11. 定岗: students give their ID numbers (asked only now), the committee fixes. -----
    for n, (name, pid) in enumerate(onboarding.items(), start=1):
        refused = await placement.post(f"/v1/placements/{pid}/fix", headers=committee)
        assert refused.status_code == 409, refused.text  # no ID number on file yet
        number = id_number("140302", "20050612", n)
        given = ok(
            await placement.put(
                f"/v1/placements/{pid}/id-number", headers=me[name], json={"id_number": number}
            )
        )
        assert given["id_number"] == number[:6] + "********" + number[-4:], given
        fixed = ok(await placement.post(f"/v1/placements/{pid}/fix", headers=committee))
        assert fixed["status"] == "fixed"
    inboxes.expect("unit A", "arrival-to-confirm", "arrival-to-confirm")
    inboxes.expect("unit B", "arrival-to-confirm")
    await inboxes.settle("11. posts fixed (定岗)")

    # --- 12. Units confirm the students' arrival; 13. and complete the placements. --------
    office_of = {"赵一": office_a, "钱二": office_b, "孙三": office_a}
    for name, pid in onboarding.items():
        arrived = ok(await placement.post(f"/v1/placements/{pid}/arrival", headers=office_of[name]))
        assert arrived["status"] == "on_post"
        inboxes.expect(name, "arrival-confirmed")
    await inboxes.settle("12. arrival confirmed")
    for name, pid in onboarding.items():
        ok(
            await placement.post(
                f"/v1/placements/{pid}/evaluation",
                headers=me[name],
                json={"rating": 5, "comment": "带教老师很耐心"},
            )
        )
        completed = ok(
            await placement.post(
                f"/v1/placements/{pid}/complete",
                headers=office_of[name],
                json={"rating": 4, "comment": "认真负责"},
            )
        )
        assert (completed["status"], completed["unit_rating"]) == ("completed", 4)
        inboxes.expect(name, "survey-invitation")
    await inboxes.settle("13. placements completed: the survey invitation")

    # The 公示 list: who holds a place (every one of them consented to publicity).
    publicity = ok(await placement.get(f"/v1/seasons/{SEASON}/publicity", headers=boss))
    assert sorted((p["name"], p["post_title"]) for p in publicity) == sorted(
        (name, title[matched[name]]) for name in onboarding
    ), publicity

    # --- 14. Every student answers the season's questionnaire (those not placed too). -----
    questionnaire = ok(await survey.get(f"/v1/questionnaires/{QUESTIONNAIRE_ID}", headers=boss))
    responses = survey_responses(
        random.Random(8), questionnaire, list(STUDENTS.values()), 8, {CHENGQU: "城区"}, "season"
    )
    by_key = {s.key: name for name, s in STUDENTS.items()}
    answered = [r for r in responses if r.student is not None]
    assert sorted(by_key[r.student] for r in answered if r.student) == sorted(STUDENTS)
    for r in answered:
        assert r.student is not None
        name = by_key[r.student]
        stored = ok(
            await survey.post(
                f"/v1/questionnaires/{QUESTIONNAIRE_ID}/responses",
                headers=me[name],
                json={"answers": r.answers, "response_id": r.key},
            ),
            201,
        )
        assert stored["stored"] is True, stored
    await inboxes.settle("14. survey answered")

    # --- 15. The coordinator reads the analysis. -----------------------------------------
    analysis = ok(await survey.get(f"/v1/questionnaires/{QUESTIONNAIRE_ID}/analysis", headers=boss))
    assert analysis["responses"] == 6, analysis.get("scope")
    assert not analysis.get("suppressed"), analysis.get("scope")
    gender = next(q for q in analysis["questions"] if q["number"] == 1)
    assert sum(gender["counts"].values()) == 6, gender
    assert gender["counts"]["男"] == 3 and gender["counts"]["女"] == 3, gender

    # 城区's committee reads its own county's analysis (aggregates only, no free text).
    mine = ok(
        await survey.get(
            f"/v1/questionnaires/{QUESTIONNAIRE_ID}/analysis",
            params={"county": CHENGQU},
            headers=committee,
        )
    )
    assert (mine["responses"], mine["scope"]) == (6, {"county": CHENGQU}), mine.get("scope")
    other = await survey.get(
        f"/v1/questionnaires/{QUESTIONNAIRE_ID}/analysis",
        params={"county": "140322"},
        headers=committee,
    )
    assert other.status_code == 403, other.text

    # --- 16. At the end, once more: every inbox holds each notification once. -------------
    await inboxes.settle("16. the whole season")
    total = sum(sum(c.values()) for c in inboxes.expected.values())
    assert total == 62, {who: dict(c) for who, c in inboxes.expected.items()}
