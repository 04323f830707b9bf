"""The PDF report: the HTML report printed by the real headless chromium that the setup installs
(with fonts-noto-cjk), its text read back with pypdf."""

from __future__ import annotations

import io
import time
import unicodedata
from pathlib import Path

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from survey_service.cli import app
from survey_service.exportgen import ExportTruth
from survey_service.reports import PdfUnavailable, html_to_pdf

runner = CliRunner()


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    # Chromium's ToUnicode maps some glyphs shared by a radical and an ideograph to the
    # Kangxi radical (⼤ for 大); NFKC folds those back.
    return unicodedata.normalize("NFKC", "".join(p.extract_text() for p in reader.pages))


def test_cli_pdf_contains_the_chinese(exports: dict[str, ExportTruth], tmp_path: Path) -> None:
    out = tmp_path / "report.pdf"
    export = str(exports["wjx-text-xlsx-utf-8-sig"].path)
    args = ["analyze", export, "-f", "pdf", "-o", str(out), "-q", "season", "--quiet"]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.stderr
    pdf = out.read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert len(PdfReader(io.BytesIO(pdf)).pages) > 3
    text = _text(pdf)
    for phrase in ("概览", "答卷数", "第1题", "您的性别", "请对以下方面进行评价", "交叉分析"):
        assert phrase in text, phrase
    assert "file://" not in text  # no header/footer with the temporary path


def test_pdf_of_a_small_page_round_trips_its_text() -> None:
    html = '<html lang="zh-CN"><meta charset="utf-8"><body><p>阳泉返家乡 测试ABC</p></body></html>'
    assert "阳泉返家乡测试ABC" in _text(html_to_pdf(html)).replace(" ", "")


def test_pdf_needs_an_output_file(exports: dict[str, ExportTruth]) -> None:
    r = runner.invoke(app, ["analyze", str(exports["wjx-code-csv-gbk"].path), "-f", "pdf"])
    assert r.exit_code == 2 and "-o report.pdf" in r.stderr


def test_missing_browser_is_a_clear_error(
    exports: dict[str, ExportTruth], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FANXIANG_CHROMIUM", str(tmp_path / "no-chromium"))
    with pytest.raises(PdfUnavailable, match="FANXIANG_CHROMIUM"):
        html_to_pdf("<p>x</p>")
    out = tmp_path / "r.pdf"
    r = runner.invoke(
        app, ["analyze", str(exports["wjx-code-csv-gbk"].path), "-f", "pdf", "-o", str(out)]
    )
    assert r.exit_code == 2 and "no-chromium" in r.stderr and not out.exists()


def _fake_browser(tmp_path: Path, script: str) -> str:
    path = tmp_path / "fake-chromium"
    path.write_text("#!/bin/sh\n" + script + "\n", encoding="utf-8")
    path.chmod(0o755)
    return str(path)


def test_a_browser_that_writes_nothing_is_reported(tmp_path: Path) -> None:
    browser = _fake_browser(tmp_path, 'echo "GPU process crashed" >&2; exit 3')
    with pytest.raises(PdfUnavailable, match=r"exited with 3.*GPU process crashed"):
        html_to_pdf("<p>x</p>", chromium=browser)


def test_a_hanging_browser_is_killed_with_its_children(tmp_path: Path) -> None:
    marker = tmp_path / "child-alive"
    browser = _fake_browser(tmp_path, f"(sleep 3; touch {marker}) & sleep 60")
    started = time.monotonic()
    with pytest.raises(PdfUnavailable, match="did not finish"):
        html_to_pdf("<p>x</p>", chromium=browser, timeout=0.5)
    assert time.monotonic() - started < 10
    time.sleep(3.5)
    assert not marker.exists()  # the child in the browser's process group was killed too
