"""The streaming .xlsx reader against files written in different ways."""

from __future__ import annotations

import io
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter

from survey_service.domain import xlsx
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


def _workbook(sheet_xml: str, shared: list[str] | None = None) -> io.BytesIO:
    """A minimal .xlsx around hand-written sheet XML (shapes xlsxwriter never writes)."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(
            "xl/worksheets/sheet1.xml",
            f"<worksheet {ns}><sheetData>{sheet_xml}</sheetData></worksheet>",
        )
        if shared is not None:
            items = "".join(f"<si><t>{s}</t></si>" for s in shared)
            z.writestr("xl/sharedStrings.xml", f"<sst {ns}>{items}</sst>")
    buf.seek(0)
    return buf


def test_unusual_cells_beside_plain_ones() -> None:
    inline = '<c r="{}" t="inlineStr"><is><t>{}</t></is></c>'.format
    rows = [
        # plain, dense: the one-scan path
        '<row r="1">' + inline("A1", "序号") + inline("B1", "1、性别") + "</row>",
        # empty rows, self-closed, then one without r
        '<row r="2"/><row r="3" spans="1:2"/>',
        "<row>" + inline("A4", "x") + '<c r="B4"><v>2.0</v></c></row>',
        # a gap (C missing), entities, an _xHHHH_ escape, a number "1.0", a boolean, a formula
        '<row r="5">'
        + inline("A5", "a&amp;b")
        + inline("B5", "tab_x0009_here")
        + inline("D5", "远")
        + "</row>",
        '<row r="6"><c r="A6"><v>1.0</v></c><c r="B6" t="b"><v>1</v></c>'
        '<c r="C6"><f>1+1</f><v>2</v></c><c r="D6" t="inlineStr"><is><t xml:space="preserve"> 空格 </t></is></c></row>',
        # shared strings mixed with numbers; a styled empty cell
        '<row r="7"><c r="A7" t="s"><v>1</v></c><c r="B7" s="3"/><c r="C7" t="s" s="2"><v>0</v></c>'
        '<c r="D7"><v>42</v></c></row>',
        '<row r="8"><c r="A8" t="s"><v>0</v></c><c r="B8" s="1" t="s"><v>1</v></c></row>',
    ]
    fh = _workbook("".join(rows), shared=["男", "女"])
    assert list(iter_xlsx_rows(fh)) == [
        (1, ["序号", "1、性别"]),
        (2, []),
        (3, []),
        (4, ["x", "2"]),
        (5, ["a&b", "tab\there", "", "远"]),
        (6, ["1", "TRUE", "2", " 空格 "]),
        (7, ["女", "", "男", "42"]),
        (8, ["男", "女"]),
    ]


def test_many_plain_rows_read_as_the_general_parser_reads_them(tmp_path: Path) -> None:
    p = tmp_path / "d.xlsx"
    wb = xlsxwriter.Workbook(str(p), {"constant_memory": True})
    ws = wb.add_worksheet()
    expected = []
    for r in range(3000):
        row = [
            str(r),
            f"选项{r % 7}",
            "" if r % 5 == 0 else "其他〖a_b〗",
            "x&y" if r % 11 == 0 else "z",
        ]
        for c, v in enumerate(row):
            if v:
                ws.write_string(r, c, v)
        expected.append((r + 1, row if row[-1] else row[:-1]))
    wb.close()
    with p.open("rb") as fh:
        assert list(iter_xlsx_rows(fh)) == expected


# -- the child process that reads a large sheet -------------------------------------------


def _in_process(path: Path) -> list[tuple[int, list[str]]]:
    with path.open("rb") as fh:
        return list(iter_xlsx_rows(fh))


def _files(tmp_path: Path) -> list[Path]:
    """Files of the shapes above, on disk (the child reads a file by its path)."""
    out = []
    for name, sheet, shared in [
        ("unusual.xlsx", None, None),
        ("shared.xlsx", '<row r="1"><c r="A1" t="s"><v>1</v></c></row><row r="2"/>', ["a", "b"]),
    ]:
        if sheet is None:
            buf = _workbook(
                '<row r="1"><c r="A1" t="inlineStr"><is><t>x&amp;y</t></is></c>'
                '<c r="C1"><v>1.0</v></c></row>'
            )
        else:
            buf = _workbook(sheet, shared)
        p = tmp_path / name
        p.write_bytes(buf.getvalue())
        out.append(p)
    p = tmp_path / "many.xlsx"
    wb = xlsxwriter.Workbook(str(p), {"constant_memory": True})
    ws = wb.add_worksheet()
    for r in range(2500):  # several batches and several read chunks
        ws.write_row(r, 0, [r, f"选项{r % 7}", "长" * (r % 900), "" if r % 3 else "x_y"])
    wb.close()
    out.append(p)
    return out


def test_child_process_reads_the_same_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = _files(tmp_path)
    expected = [_in_process(p) for p in files]
    started = []
    real_popen = xlsx.subprocess.Popen
    monkeypatch.setattr(xlsx, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(
        xlsx.subprocess, "Popen", lambda *a, **k: started.append(a) or real_popen(*a, **k)
    )
    assert [_in_process(p) for p in files] == expected
    assert len(started) == len(files)  # every file went through a child
    assert expected[0] == [(1, ["x&y", "", "1"])]


def test_child_process_errors_surface_as_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = tmp_path / "bad.xlsx"  # a shared-string index past the table
    p.write_bytes(_workbook('<row r="1"><c r="A1" t="s"><v>5</v></c></row>', ["a"]).getvalue())
    with pytest.raises(IndexError) as in_process:
        _in_process(p)
    monkeypatch.setattr(xlsx, "PARALLEL_MIN_BYTES", 0)
    with pytest.raises(IndexError) as in_child:
        _in_process(p)
    assert str(in_child.value) == str(in_process.value)


def test_child_process_ends_when_the_reader_stops_early(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = _files(tmp_path)[-1]
    procs: list[subprocess.Popen[bytes]] = []
    real_popen = xlsx.subprocess.Popen

    def popen(*a: Any, **k: Any) -> subprocess.Popen[bytes]:
        procs.append(real_popen(*a, **k))
        return procs[-1]

    monkeypatch.setattr(xlsx, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(xlsx.subprocess, "Popen", popen)
    with p.open("rb") as fh:
        rows = iter_xlsx_rows(fh)
        assert next(rows)[0] == 1
        rows.close()
    assert procs and procs[0].returncode is not None
