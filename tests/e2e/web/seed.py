"""A small season through placement's HTTP API, as the people would make it: the coordinator
opens the season and registers units and a county committee; units offer posts (some already
published, some waiting for approval); a few students apply."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

COORDINATOR = "13800000000"
SEASON = "2026-summer"

UNITS: list[dict[str, Any]] = [
    {"name": "阳泉市融媒体中心", "unit_type": "融媒体", "county": "city"},
    {"name": "阳泉市图书馆", "unit_type": "事业单位", "county": "city"},
    {
        "name": "城区人民政府办公室",
        "unit_type": "党政机关",
        "county": "140302",
        "township": "140302003",
    },
    {
        "name": "上站街道办事处",
        "unit_type": "街道/乡镇",
        "county": "140302",
        "township": "140302001",
    },
    {"name": "矿区图书馆", "unit_type": "事业单位", "county": "140303", "township": "140303004"},
    {"name": "郊区青年之家", "unit_type": "青年之家", "county": "140311", "township": "140311100"},
    {
        "name": "平定县融媒体中心",
        "unit_type": "融媒体",
        "county": "140321",
        "township": "140321100",
    },
    {
        "name": "娘子关镇人民政府",
        "unit_type": "街道/乡镇",
        "county": "140321",
        "township": "140321106",
    },
    {"name": "盂县统计局", "unit_type": "党政机关", "county": "140322", "township": "140322100"},
    {"name": "南娄镇某村委会", "unit_type": "社区/村", "county": "140322", "township": "140322103"},
]

# (unit index, title, category, capacity, majors, duties)
POSTS: list[tuple[int, str, str, int, list[str], str]] = [
    (
        0,
        "新闻采编实习",
        "文化宣传",
        3,
        ["新闻学", "汉语言文学"],
        "参与短视频策划、采访和稿件编辑。",
    ),
    (1, "少儿阅读推广志愿者", "公益服务", 4, [], "组织暑期少儿阅读活动，整理图书。"),
    (
        2,
        "政务服务窗口助理",
        "政务实践",
        2,
        ["行政管理", "法学"],
        "协助窗口接待、资料整理和数据录入。",
    ),
    (3, "社区青年服务岗", "社区服务", 3, [], "走访社区，协助组织青少年活动。"),
    (4, "图书馆数字化助理", "公益服务", 2, ["计算机科学与技术"], "古籍和地方文献扫描、编目。"),
    (5, "青年之家活动策划", "社区服务", 2, [], "策划青年交流活动，运营公众号。"),
    (6, "融媒体短视频编辑", "文化宣传", 2, ["新闻学", "数字媒体技术"], "拍摄剪辑县域短视频。"),
    (7, "娘子关景区文旅讲解", "乡村振兴", 3, [], "景区讲解、游客服务、文旅宣传。"),
    (8, "统计数据整理", "政务实践", 2, ["统计学", "经济学"], "协助统计报表整理与核对。"),
    (9, "乡村振兴调研助理", "乡村振兴", 2, [], "入户调研，整理村集体经济资料。"),
    (2, "法律援助宣传岗", "政务实践", 1, ["法学"], "普法宣传材料编写，陪同走访。"),
    (0, "新媒体运营", "企业实践", 2, [], "微信公众号、视频号日常运营。"),
]


@dataclass
class Seeded:
    season_id: str
    units: list[dict[str, Any]] = field(default_factory=list)
    unit_phones: list[str] = field(default_factory=list)
    posts: list[dict[str, Any]] = field(default_factory=list)
    submitted: list[str] = field(default_factory=list)
    county_phone: str = "13700000302"
    liaison_phone: str = "13400000001"
    students: list[str] = field(default_factory=list)


def login(client: httpx.Client, phone: str) -> dict[str, str]:
    sent = client.post("/v1/auth/codes", json={"phone": phone})
    sent.raise_for_status()
    token = client.post("/v1/auth/tokens", json={"phone": phone, "code": sent.json()["dev_code"]})
    token.raise_for_status()
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def _ok(response: httpx.Response) -> Any:
    assert response.status_code < 300, f"{response.request.url}: {response.text}"
    return response.json()


def season_body(**overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "season_id": SEASON,
        "name": "2026 年暑期“返家乡”社会实践",
        "posts_open": (now - timedelta(days=3)).isoformat(),
        "posts_close": (now + timedelta(days=10)).isoformat(),
        "applications_open": (now - timedelta(days=1)).isoformat(),
        "applications_close": (now + timedelta(days=14)).isoformat(),
        "interviews_open": (now - timedelta(days=1)).isoformat(),
        "interviews_close": (now + timedelta(days=21)).isoformat(),
        "on_post_start": "2026-07-06",
        "on_post_end": "2026-08-21",
        "max_choices": 5,
        **overrides,
    }


def student_profile(name: str, county: str, township: str | None = None) -> dict[str, Any]:
    body = {
        "name": name,
        "university": "山西大学",
        "university_city": "太原",
        "university_province": "山西",
        "grade": "大二",
        "major": "汉语言文学",
        "discipline": "文学",
        "home_county": county,
        "political_status": "共青团员",
    }
    if township:
        body["home_township"] = township
    return body


def seed(placement_url: str) -> Seeded:
    with httpx.Client(base_url=placement_url, timeout=30) as client:
        boss = login(client, COORDINATOR)
        _ok(client.post("/v1/seasons", json=season_body(), headers=boss))
        out = Seeded(season_id=SEASON)
        for i, unit in enumerate(UNITS):
            phone = f"1360000{i:04d}"
            body = {**unit, "contact_name": "王老师", "contact_phone": phone}
            out.units.append(_ok(client.post("/v1/units", json=body, headers=boss)))
            out.unit_phones.append(phone)
        for unit_index, title, category, capacity, majors, duties in POSTS:
            unit = out.units[unit_index]
            body = {
                "season_id": SEASON,
                "unit_id": unit["unit_id"],
                "title": title,
                "category": category,
                "county": unit["county"],
                "capacity": capacity,
                "majors": majors,
                "duties": duties,
                "starts_on": "2026-07-06",
                "ends_on": "2026-08-14",
                "hours": "工作日 9:00-17:00",
                "supervisor": "王老师（办公室主任）",
                "subsidy": "每天 50 元交通餐饮补贴",
            }
            if unit.get("township"):
                body["township"] = unit["township"]
            out.posts.append(
                _ok(client.post("/v1/posts", params={"publish": "true"}, json=body, headers=boss))
            )
        # Two posts of 城区's units wait for the county committee's approval.
        for unit_index, title in ((2, "档案整理助理"), (3, "网格员助理")):
            unit_headers = login(client, out.unit_phones[unit_index])
            body = {
                "season_id": SEASON,
                "title": title,
                "category": "政务实践",
                "county": "140302",
                "township": out.units[unit_index]["township"],
                "capacity": 2,
                "duties": "协助整理档案资料。",
            }
            post = _ok(client.post("/v1/posts", json=body, headers=unit_headers))
            _ok(client.post(f"/v1/posts/{post['post_id']}/submit", headers=unit_headers))
            out.submitted.append(post["post_id"])
        _ok(
            client.post(
                "/v1/accounts",
                json={
                    "phone": out.county_phone,
                    "role": "county",
                    "name": "共青团阳泉市城区委员会",
                    "county": "140302",
                },
                headers=boss,
            )
        )
        _ok(
            client.post(
                "/v1/accounts",
                json={
                    "phone": out.liaison_phone,
                    "role": "liaison",
                    "name": "太原联络员",
                    "city": "太原",
                },
                headers=boss,
            )
        )
        # A few students of 城区 (studying in 太原) have applied already (the eligibility queue, the figures).
        for n, (name, picks) in enumerate((("赵一", [0, 2, 3]), ("钱二", [3, 1]), ("孙三", [2]))):
            phone = f"1350000{n:04d}"
            headers = login(client, phone)
            _ok(
                client.put("/v1/students/me", json=student_profile(name, "140302"), headers=headers)
            )
            _ok(
                client.post(
                    "/v1/students/me/consents",
                    json={"purpose": "share_with_units", "granted": True, "version": "2026.1"},
                    headers=headers,
                )
            )
            choices = [out.posts[i]["post_id"] for i in picks]
            _ok(
                client.post(
                    "/v1/applications",
                    json={"season_id": SEASON, "choices": choices},
                    headers=headers,
                )
            )
            out.students.append(phone)
        return out
