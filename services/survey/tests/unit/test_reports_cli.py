"""The command line end to end on generated exports, and the report writers."""

from __future__ import annotations

import html
import json
import re
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from survey_service.cli import app
from survey_service.domain.xlsx import iter_xlsx_rows
from survey_service.exportgen import ExportTruth
from survey_service.reports import sheet_name

runner = CliRunner()


def _run(*args: str) -> tuple[int, str, str]:
    r = runner.invoke(app, list(args))
    return r.exit_code, r.stdout, r.stderr


@pytest.mark.parametrize(
    "layout", ["wjx-text-xlsx-utf-8-sig", "wjx-code-csv-gbk", "tencent-text-csv-utf-8-sig"]
)
def test_json_contract(exports: dict[str, ExportTruth], layout: str) -> None:
    truth = exports[layout]
    code, out, _ = _run("analyze", str(truth.path), "--format", "json", "-q", "season")
    assert code == 0
    data = json.loads(out)
    assert data["responses"] == truth.responses
    for q in data["questions"]:
        assert set(q) >= {"number", "title", "kind", "counts"}
        assert isinstance(q["number"], int) and isinstance(q["title"], str)
        assert q["kind"] in {"single", "multi", "scale", "matrix", "ranking", "text"}
        assert q["counts"] == truth.counts[q["number"]]
        if q["kind"] == "matrix":
            assert all(isinstance(v, dict) for v in q["counts"].values())
        else:
            assert all(isinstance(v, int) for v in q["counts"].values())


def test_json_without_questionnaire_is_default(exports: dict[str, ExportTruth]) -> None:
    code, out, _ = _run("analyze", str(exports["wjx-text-csv-utf-8"].path))
    assert code == 0
    data = json.loads(out)
    assert data["questionnaire"]["inferred"] is True
    assert [q["number"] for q in data["questions"]] == list(range(1, 18))


def test_output_file_and_no_personal_data(exports: dict[str, ExportTruth], tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    code, stdout, _ = _run(
        "analyze", str(exports["tencent-text-xlsx-utf-8-sig"].path), "-o", str(out)
    )
    assert code == 0 and stdout == ""
    text = out.read_text(encoding="utf-8")
    assert "oX" not in text and "小明" not in text and not re.search(r"10\.\d+\.\d+\.7", text)


def test_xlsx_report_opens(exports: dict[str, ExportTruth], tmp_path: Path) -> None:
    out = tmp_path / "r.xlsx"
    code, _, _ = _run(
        "analyze",
        str(exports["wjx-text-xlsx-utf-8-sig"].path),
        "-f",
        "xlsx",
        "-o",
        str(out),
        "-q",
        "season",
    )
    assert code == 0
    with zipfile.ZipFile(out) as z:
        assert z.testzip() is None
        book = z.read("xl/workbook.xml").decode()
    names = [html.unescape(n) for n in re.findall(r'<sheet name="([^"]+)"', book)]
    assert names[0] == "概览"
    assert any(n.startswith("Q17 ") for n in names) and any(n.startswith("交叉") for n in names)
    assert all(len(n) <= 31 and not re.search(r"[\[\]:*?/\\]", n) for n in names)
    with out.open("rb") as fh:
        cells = [c for _, row in iter_xlsx_rows(fh) for c in row]
    assert "答卷数" in cells


def test_html_report(exports: dict[str, ExportTruth], tmp_path: Path) -> None:
    code, out, _ = _run(
        "analyze", str(exports["wjx-code-xlsx-utf-8-sig"].path), "-f", "html", "-q", "season"
    )
    assert code == 0
    assert out.startswith("<!DOCTYPE html>") and 'lang="zh-CN"' in out
    for title in ("您的性别", "请对以下方面进行评价", "交叉分析", "<svg"):
        assert title in out
    assert "<script src" not in out and "cdn" not in out.lower()
    embedded = re.search(
        r'<script type="application/json" id="survey-result">(.*?)</script>', out, re.S
    )
    assert embedded and json.loads(embedded.group(1))["responses"] > 0


def test_xlsx_needs_an_output_file(exports: dict[str, ExportTruth]) -> None:
    code, _, err = _run("analyze", str(exports["wjx-code-csv-gbk"].path), "-f", "xlsx")
    assert code == 2 and "-o" in err


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"", "empty"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, ".xls"),
        (b"name,age\nx,1\n", "no question columns"),
    ],
)
def test_unreadable_exports_exit_2(tmp_path: Path, content: bytes, needle: str) -> None:
    p = tmp_path / "bad.csv"
    p.write_bytes(content)
    code, out, err = _run("analyze", str(p))
    assert code == 2 and needle in err and out == ""


def test_missing_file_and_bad_questionnaire(
    tmp_path: Path, exports: dict[str, ExportTruth]
) -> None:
    code, _, err = _run("analyze", str(tmp_path / "nope.xlsx"))
    assert code == 2 and "no such file" in err
    bad = tmp_path / "q.json"
    bad.write_text("{not json", encoding="utf-8")
    code, _, err = _run("analyze", str(exports["wjx-code-csv-gbk"].path), "-q", str(bad))
    assert code == 2 and "q.json" in err


def test_compare_and_generate(tmp_path: Path) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.xlsx"
    assert _run("generate", str(a), "-n", "60", "--seed", "1")[0] == 0
    assert _run("generate", str(b), "-n", "80", "--seed", "2", "--vendor", "tencent")[0] == 0
    code, out, _ = _run("compare", str(a), str(b), "-q", "season")
    assert code == 0
    data = json.loads(out)
    assert data["responses"] == {"before": 60, "after": 80}
    assert any(q["number"] == 11 for q in data["questions"])


def test_questionnaire_command_round_trips() -> None:
    code, out, _ = _run("questionnaire")
    assert code == 0 and len(json.loads(out)["questions"]) == 17


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Q1 您的性别", "Q1 您的性别"),
        ("a[b]:c*d?e/f\\g", "a_b__c_d_e_f_g"),
        ("'x'", "x"),
        ("History", "History_"),
        ("", "Sheet"),
        ("长" * 40, "长" * 31),
    ],
)
def test_sheet_names_follow_excel_rules(raw: str, expected: str) -> None:
    assert sheet_name(raw, set()) == expected


def test_sheet_names_are_unique_ignoring_case() -> None:
    taken: set[str] = set()
    names = [sheet_name("A" * 40, taken), sheet_name("a" * 40, taken), sheet_name("概览", taken)]
    assert len({n.lower() for n in names}) == 3 and all(len(n) <= 31 for n in names)
