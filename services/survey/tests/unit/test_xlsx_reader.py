"""The streaming .xlsx reader against files written in different ways."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from survey_service.domain.tabular import UnreadableExport, open_table
from survey_service.domain.xlsx import iter_xlsx_rows


@pytest.mark.parametrize("constant_memory", [False, True])
def test_reads_shared_and_inline_strings(tmp_path: Path, constant_memory: bool) -> None:
    p = tmp_path / "a.xlsx"
    wb = xlsxwriter.Workbook(str(p), {"constant_memory": constant_memory})
    ws = wb.add_worksheet("答卷数据")
    ws.write_row(0, 0, ["序号", "1、您的性别", "2、a&b<c>"])
    ws.write_row(1, 0, [1, "男", "x\ny"])
    ws.write_number(2, 0, 2.5)
    ws.write_string(2, 3, "远处")  # sparse: B3, C3 missing
    wb.close()
    with p.open("rb") as fh:
        rows = list(iter_xlsx_rows(fh))
    assert rows == [
        (1, ["序号", "1、您的性别", "2、a&b<c>"]),
        (2, ["1", "男", "x\ny"]),
        (3, ["2.5", "", "", "远处"]),
    ]


def test_first_sheet_by_workbook_order_and_rich_text(tmp_path: Path) -> None:
    p = tmp_path / "b.xlsx"
    wb = xlsxwriter.Workbook(str(p))
    ws = wb.add_worksheet("数据")
    bold = wb.add_format({"bold": True})
    ws.write_rich_string(0, 0, "1、", bold, "您的", "性别")
    wb.add_worksheet("其他").write(0, 0, "wrong sheet")
    wb.close()
    with p.open("rb") as fh:
        assert next(iter_xlsx_rows(fh)) == (1, ["1、您的性别"])


def test_rows_spanning_read_chunks(tmp_path: Path) -> None:
    p = tmp_path / "c.xlsx"
    wb = xlsxwriter.Workbook(str(p), {"constant_memory": True})
    ws = wb.add_worksheet()
    long = "长" * 5000
    for r in range(400):
        ws.write_row(r, 0, [r, long, f"行{r}"])
    wb.close()
    with p.open("rb") as fh:
        rows = list(iter_xlsx_rows(fh))
    assert len(rows) == 400
    assert all(cells == [str(i), long, f"行{i}"] for i, (_, cells) in enumerate(rows))


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"", "empty"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ".xls"),
        (b"<html><table><tr><td>1</td></tr></table></html>", "HTML"),
        (b"PK\x03\x04garbage", "zip"),
        (b"\x00\x01\x02\x03binary", "binary"),
    ],
)
def test_unreadable_files_are_named(data: bytes, needle: str) -> None:
    with pytest.raises(UnreadableExport, match=needle):
        t = open_table(io.BytesIO(data))
        list(t.rows)


def test_zip_without_worksheet() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "hi")
    buf.seek(0)
    with pytest.raises(UnreadableExport, match="worksheet"):
        open_table(buf)
