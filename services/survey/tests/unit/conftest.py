"""Generated exports shared by the survey unit tests (made once per session: generation is
the slow part)."""

from __future__ import annotations

from pathlib import Path

import pytest

from survey_service.domain import Questionnaire, parse_questionnaire
from survey_service.exportgen import LAYOUTS, ExportTruth, generate_export, layout_name

KITCHEN_SINK = {
    "id": "kitchen-sink",
    "version": "1",
    "questions": [
        {
            "number": 1,
            "title": "您的身份",
            "kind": "single",
            "options": ["学生", "教师", {"label": "其他", "open": True}],
        },
        {
            "number": 2,
            "title": "请对以下城市按意愿排序",
            "kind": "ranking",
            "options": ["阳泉", "太原", "北京", "上海"],
        },
        {
            "number": 3,
            "title": "您的兴趣",
            "kind": "multi",
            "max_choices": 2,
            "options": ["读书", "运动", "音乐", {"label": "其他", "open": True}],
        },
        {"number": 4, "title": "您来自", "kind": "text", "blanks": ["填空1", "填空2"]},
        {
            "number": 5,
            "title": "推荐意愿打分",
            "kind": "scale",
            "options": [{"label": str(i), "value": i} for i in range(0, 11)],
        },
        {
            "number": 6,
            "title": "满意度评价",
            "kind": "matrix",
            "rows": ["食堂", "宿舍"],
            "options": [
                {"label": lb, "value": i + 1}
                for i, lb in enumerate(["很不满意", "不太满意", "一般", "比较满意", "很满意"])
            ],
            "show_if": {"question": 1, "any_of": ["学生"]},
        },
    ],
}


@pytest.fixture(scope="session")
def kitchen_sink() -> Questionnaire:
    return parse_questionnaire(KITCHEN_SINK)


@pytest.fixture(scope="session")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ExportTruth]:
    """Season-questionnaire exports in every layout, 240 responses each, messy."""
    d = tmp_path_factory.mktemp("exports")
    out = {}
    for layout in LAYOUTS:
        vendor, mode, fmt, enc = layout
        path: Path = d / f"{layout_name(layout)}.{fmt}"
        out[layout_name(layout)] = generate_export(
            path, responses=240, seed=7, vendor=vendor, mode=mode, fmt=fmt, encoding=enc
        )
    return out


@pytest.fixture(scope="session")
def sink_exports(
    tmp_path_factory: pytest.TempPathFactory, kitchen_sink: Questionnaire
) -> dict[str, ExportTruth]:
    d = tmp_path_factory.mktemp("sink")
    out = {}
    for layout in [
        ("wjx", "text", "csv", "utf-8-sig"),
        ("wjx", "code", "xlsx", ""),
        ("tencent", "text", "csv", "gb18030"),
    ]:
        vendor, mode, fmt, enc = layout
        out[layout_name(layout)] = generate_export(
            d / f"{layout_name(layout)}.{fmt}",
            responses=150,
            seed=3,
            vendor=vendor,
            mode=mode,
            fmt=fmt,
            encoding=enc or "utf-8",
            questionnaire=kitchen_sink,
        )
    return out
