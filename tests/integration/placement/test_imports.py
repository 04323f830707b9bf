"""Bulk post submission from .xlsx and .csv: all or nothing, problems by row and column."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from tests.integration.placement.world import World, topic_events

pytestmark = pytest.mark.integration

HEADER = [
    "岗位名称*",
    "岗位类别*",
    "县区代码*",
    "乡镇街道代码",
    "招募人数*",
    "开始日期",
    "结束日期",
    "专业要求",
]


def xlsx(rows: list[list[object]], header: list[str] = HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def upload(
    world: World, headers: dict[str, str], content: bytes, name: str, **params: str
) -> object:
    return await world.client.post(
        "/v1/post-imports",
        headers=headers,
        params=params,
        data={"season_id": "2026-summer"},
        files={"file": (name, content)},
    )


async def post_count(world: World, headers: dict[str, str]) -> int:
    return int((await world.client.get("/v1/posts", headers=headers)).json()["total"])


async def test_the_template_downloads_and_imports_as_is(world: World) -> None:
    await world.season()
    _, unit = await world.unit()
    r = await world.client.get("/v1/post-imports/template.xlsx", headers=unit)
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert sheet is not None
    assert [c.value for c in sheet[1]][:3] == ["岗位名称*", "岗位类别*", "县区代码*"]
    r = await upload(world, unit, r.content, "template.xlsx")
    assert r.status_code == 201, r.text  # type: ignore[attr-defined]
    assert r.json()["created"] == 1 and r.json()["status"] == "submitted"  # type: ignore[attr-defined]
    csv_template = await world.client.get("/v1/post-imports/template.csv", headers=unit)
    r = await upload(world, unit, csv_template.content, "template.csv")
    assert r.status_code == 201, r.text  # type: ignore[attr-defined]
    assert await post_count(world, unit) == 2


async def test_a_good_xlsx_creates_and_submits_every_post(world: World) -> None:
    await world.season()
    _, unit = await world.unit()
    content = xlsx(
        [
            ["社区助理", "社区服务", 140302, None, 2, "2026-07-06", "2026-08-14", "社会工作、法学"],
            ["乡村振兴专员", "乡村振兴", "140322", "140322103", "3", None, None, None],
            [None, None, None, None, None, None, None, None],
            ["文化宣传员", "文化宣传", "city", None, 1, None, None, "新闻学"],
        ]
    )
    r = await upload(world, unit, content, "岗位.xlsx")
    assert r.status_code == 201, r.text  # type: ignore[attr-defined]
    ids = r.json()["post_ids"]  # type: ignore[attr-defined]
    assert len(ids) == 3
    first = (await world.client.get(f"/v1/posts/{ids[0]}", headers=unit)).json()
    assert (first["county"], first["majors"], first["status"]) == (
        "140302",
        ["社会工作", "法学"],
        "submitted",
    )
    events = await topic_events(world.settings, "placement.posts.v1", at_least=3)
    assert sorted(e["subject"] for e in events) == sorted(ids)
    assert {e["type"] for e in events} == {"placement.post.submitted.v1"}


async def test_a_broken_file_reports_every_problem_and_imports_nothing(world: World) -> None:
    await world.season()
    _, unit = await world.unit()
    content = xlsx(
        [
            ["好岗位", "政务实践", "140302", None, 2, None, None, None],
            ["坏类别", "打杂", "140302", None, 2, None, None, None],
            ["", "政务实践", "140302", None, 0, None, None, None],
            ["错乡镇", "政务实践", "140302", "140322103", 1, "2026-08-01", "2026-07-01", None],
            ["未知县", "政务实践", "999999", None, "两个", None, None, None],
        ]
    )
    r = await upload(world, unit, content, "broken.xlsx")
    assert r.status_code == 422
    problems = {(d["loc"][1], d["loc"][2]) for d in r.json()["detail"]}  # type: ignore[attr-defined]
    assert {
        (3, "岗位类别"),
        (4, "岗位名称"),
        (4, "招募人数"),
        (5, "开始日期"),
        (6, "招募人数"),
    } <= problems
    rows = {row for row, _ in problems}
    assert rows == {3, 4, 5, 6}
    assert await post_count(world, unit) == 0


async def test_broken_files_are_refused_cleanly(world: World) -> None:
    await world.season()
    _, unit = await world.unit()
    for content, name in (
        (b"PK\x03\x04 not really a zip", "x.xlsx"),
        (b"\x89PNG\r\n", "photo.png"),
        ("岗位名称,岗位类别\n".encode("gb18030"), "gbk.csv"),
        (b"", "empty.csv"),
        (b"title,category,county,capacity\n" + b"a,b,c,d\n" * 2500, "many.csv"),
        (b"\x00\x00\x00", "nul.csv"),
    ):
        r = await upload(world, unit, content, name)
        assert r.status_code == 422, (name, r.text)  # type: ignore[attr-defined]
        assert r.json()["detail"][0]["msg"]  # type: ignore[attr-defined]
    header_only = "岗位名称,未知列\n好岗位,x\n".encode()
    r = await upload(world, unit, header_only, "cols.csv")
    detail = r.json()["detail"]  # type: ignore[attr-defined]
    assert {
        "loc": ["file", 1, "未知列"],
        "msg": "unknown column (see the template)",
        "type": "invalid_row",
    } in detail
    assert any(d["loc"] == ["file", 1, "岗位类别"] for d in detail)
    assert await post_count(world, unit) == 0


async def test_a_file_past_the_limit_is_refused_before_it_is_read(world: World) -> None:
    await world.season()
    _, unit = await world.unit()
    r = await upload(world, unit, b"a,b\n" * (2 * 1024 * 1024), "huge.csv")  # 8 MB > 5 MB
    assert r.status_code == 413, r.text  # type: ignore[attr-defined]
    [problem] = r.json()["detail"]  # type: ignore[attr-defined]
    assert (problem["loc"], problem["type"]) == (["body", "file"], "too_large")
    assert "5 MB" in problem["msg"]
    assert await post_count(world, unit) == 0


async def test_a_gbk_csv_from_excel_is_read(world: World) -> None:
    await world.season()
    _, unit = await world.unit()
    text = "岗位名称,岗位类别,县区代码,招募人数\n档案整理,政务实践,140303,2\n"
    r = await upload(world, unit, text.encode("gb18030"), "岗位.csv")
    assert r.status_code == 201, r.text  # type: ignore[attr-defined]
