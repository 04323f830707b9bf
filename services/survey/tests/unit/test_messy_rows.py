"""Hand-made exports with every kind of bad row: each is reported with its row number."""

from __future__ import annotations

import io

import pytest

from survey_service.domain import Level, parse_questionnaire, read_export
from survey_service.domain.values import Missing

Q = parse_questionnaire(
    {
        "id": "t",
        "version": "1",
        "questions": [
            {"number": 1, "title": "您的性别", "kind": "single", "options": ["男", "女"]},
            {
                "number": 2,
                "title": "您的兴趣",
                "kind": "multi",
                "max_choices": 2,
                "options": ["读书", "运动", {"label": "其他", "open": True}],
            },
            {"number": 3, "title": "建议", "kind": "text"},
        ],
    }
)

CSV = """序号,提交答卷时间,所用时间,来源,来源详情,来自IP,1、您的性别,2、您的兴趣,3、建议
1,2026/09/03 12:00:00,215秒,微信,直接访问,1.2.3.4(山西-阳泉),男,读书┋其他〖爬山〗,很好
2,2026/09/03 12:01:00,30秒,微信,直接访问,1.2.3.5(山西-阳泉),女,运动,(空)

3,2026/09/03 12:02:00,100秒,微信,直接访问,1.2.3.6(山西-阳泉),男,读书┋运动┋其他〖x〗,(空)
1,2026/09/03 12:00:00,215秒,微信,直接访问,1.2.3.4(山西-阳泉),男,读书┋其他〖爬山〗,很好
序号,提交答卷时间,所用时间,来源,来源详情,来自IP,1、您的性别,2、您的兴趣,3、建议
5,2026/09/03 12:04:00,
6,2026/09/03 12:05:00,100秒,微信,直接访问,1.2.3.8(山西-阳泉),(跳过),(跳过),(空)
7,坏时间,很久,微信,直接访问,1.2.3.9(山西-阳泉),未知,读书,"多行
建议"
"""


def _import(text: str, encoding: str = "utf-8") -> tuple[object, list]:  # type: ignore[type-arg]
    imp = read_export(io.BytesIO(text.encode(encoding)), Q)
    return imp, list(imp.responses())


def test_every_bad_row_is_reported_with_its_line() -> None:
    imp, responses = _import(CSV)
    rep = imp.report  # type: ignore[attr-defined]
    assert [r.row for r in responses] == [2, 3, 5, 10]
    problems = {(p.row, p.level, p.reason.split("：")[0]) for p in rep.problems}
    assert (4, Level.SKIPPED, "空行") in problems
    assert (6, Level.REJECTED, "重复答卷") in problems
    assert (7, Level.REJECTED, "重复的表头行") in problems
    assert (8, Level.REJECTED, "列数不符") in problems
    assert (9, Level.REJECTED, "没有任何作答") in problems
    assert (5, Level.WARNING, "选项过多") in problems
    assert (10, Level.WARNING, "未知选项") in problems
    assert (10, Level.WARNING, "无法识别的时间") in problems
    assert (10, Level.WARNING, "无法识别的答题时长") in problems
    assert rep.data_rows == len(responses) + rep.rejected + rep.blank == 9
    assert rep.dropped_columns == ["来自IP"]


def test_answers_are_decoded() -> None:
    _, responses = _import(CSV)
    first = responses[0]
    assert first.answers[1].labels == ("男",)
    assert first.answers[2].labels == ("读书", "其他") and first.answers[2].other == "爬山"
    assert first.answers[3].text == "很好"
    assert first.duration == 215 and first.source == "微信" and first.source_id == "1"
    assert responses[1].answers[3].status is Missing.EMPTY
    assert responses[-1].answers[1].status is Missing.INVALID
    assert responses[-1].answers[3].text == "多行\n建议"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk", "gb18030"])
def test_same_rows_in_any_encoding(encoding: str) -> None:
    _, responses = _import(CSV, encoding)
    assert [r.answers[1].labels for r in responses] == [("男",), ("女",), ("男",), ()]


def test_tab_separated_and_crlf() -> None:
    text = (
        CSV.splitlines()[0].replace(",", "\t")
        + "\r\n"
        + "\t".join(["1", "2026/09/03 12:00:00", "215秒", "微信", "x", "ip", "女", "运动", "好"])
        + "\r\n"
    )
    _, responses = _import(text)
    assert responses[0].answers[1].labels == ("女",)


def test_bad_byte_is_a_warning_not_a_lost_file() -> None:
    data = CSV.encode("utf-8")
    data = data.replace("很好".encode(), b"\xff\xfe", 1)
    imp = read_export(io.BytesIO(data), Q)
    responses = list(imp.responses())
    assert len(responses) == 4
    assert imp.report.encoding in ("gb18030", "utf-8")


def test_progress_is_reported_while_streaming(monkeypatch: pytest.MonkeyPatch) -> None:
    from survey_service.domain import importer

    monkeypatch.setattr(importer, "PROGRESS_EVERY", 2)
    seen: list[int] = []
    imp = read_export(io.BytesIO(CSV.encode()), Q, progress=seen.append)
    list(imp.responses())
    assert seen == [2, 4, 6, 8, 9]


def test_title_line_above_the_header_is_skipped() -> None:
    imp = read_export(io.BytesIO(("返家乡问卷调查结果\n" + CSV).encode()), Q)
    responses = list(imp.responses())
    assert len(responses) == 4 and imp.report.header_row == 2
    assert any("表头在第2行" in n for n in imp.report.notes)
