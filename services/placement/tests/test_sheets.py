"""Reading the bulk post spreadsheet: headers, cells, limits."""

from __future__ import annotations

from datetime import datetime

import pytest

from placement_service.domain import sheets


def test_headers_map_to_fields_with_or_without_the_required_mark() -> None:
    sheet = sheets.to_sheet(
        [
            ["岗位名称*", "岗位类别", "county", "招募人数", "专业要求", "开始日期"],
            ["助理", "政务实践", 140302, 2.0, "法学、 会计学,新闻学", datetime(2026, 7, 6, 0, 0)],
            [None, "", "  ", None, None, None],
        ]
    )
    assert sheet.problems == []
    assert sheet.rows == [
        (
            2,
            {
                "title": "助理",
                "category": "政务实践",
                "county": "140302",
                "capacity": 2,
                "majors": ["法学", "会计学", "新闻学"],
                "starts_on": "2026-07-06",
            },
        )
    ]


def test_unknown_and_missing_columns_are_problems_of_row_one() -> None:
    sheet = sheets.to_sheet([["岗位名称", "颜色"], ["助理", "红"]])
    problems = {(p.row, p.column) for p in sheet.problems}
    assert problems == {(1, "颜色"), (1, "岗位类别"), (1, "县区代码"), (1, "招募人数")}


def test_files_that_cannot_be_read_say_so() -> None:
    with pytest.raises(sheets.SheetError, match="header"):
        sheets.to_sheet([])
    with pytest.raises(sheets.SheetError, match="no posts"):
        sheets.to_sheet([["岗位名称", "岗位类别", "县区代码", "招募人数"]])
    with pytest.raises(sheets.SheetError, match=r"\.xlsx or a \.csv"):
        sheets.read(b"GIF89a", "x.gif")
    with pytest.raises(sheets.SheetError, match="larger"):
        sheets.read(b"x" * (sheets.MAX_BYTES + 1), "x.csv")
    with pytest.raises(sheets.SheetError, match="xlsx"):
        sheets.read(b"PK\x03\x04garbage", "x.xlsx")


def test_the_templates_read_back_without_problems() -> None:
    for content, name in ((sheets.template_xlsx(), "t.xlsx"), (sheets.template_csv(), "t.csv")):
        sheet = sheets.read(content, name)
        assert sheet.problems == [] and len(sheet.rows) == 1
        assert sheet.rows[0][1]["county"] == "140302"


def test_gb18030_csv_is_decoded() -> None:
    text = "岗位名称,岗位类别,县区代码,招募人数\n档案整理,政务实践,140303,2\n"
    sheet = sheets.read(text.encode("gb18030"), "a.csv")
    assert sheet.rows[0][1]["title"] == "档案整理"
