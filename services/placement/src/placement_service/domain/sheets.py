"""The bulk post spreadsheet (.xlsx or .csv): its columns, the template, and reading a file
into rows of raw values. Checking the values is the API's PostIn model; this module only maps
headers to fields and cells to plain values, and says where each value came from."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

MAX_ROWS = 2000
MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    required: bool
    note: str


COLUMNS: tuple[Column, ...] = (
    Column("岗位名称", "title", True, "2–120 字"),
    Column(
        "岗位类别",
        "category",
        True,
        "政务实践/企业实践/公益服务/社区服务/乡村振兴/兼职锻炼/文化宣传/云实践",
    ),
    Column("县区代码", "county", True, "6 位行政区划代码，市直岗位填 city"),
    Column("乡镇街道代码", "township", False, "9 位代码，可空"),
    Column("地址", "address", False, ""),
    Column("岗位需求", "need", False, "因需设岗：说明需求"),
    Column("岗位职责", "duties", False, ""),
    Column("招募人数", "capacity", True, "1–1000 的整数"),
    Column("开始日期", "starts_on", False, "YYYY-MM-DD"),
    Column("结束日期", "ends_on", False, "YYYY-MM-DD"),
    Column("工作时间", "hours", False, "如 工作日 9:00-17:00"),
    Column("专业要求", "majors", False, "多个专业用 、 或 , 分隔；空 = 不限"),
    Column("带教老师", "supervisor", False, ""),
    Column("补贴", "subsidy", False, ""),
    Column("食宿", "meals", False, ""),
    Column("安全须知", "safety_notes", False, ""),
)
BY_HEADER = {c.header: c for c in COLUMNS} | {c.field: c for c in COLUMNS}
BY_FIELD = {c.field: c for c in COLUMNS}
EXAMPLE = (
    "团委办公室助理",
    "政务实践",
    "140302",
    "140302001",
    "城区南大街 1 号",
    "暑期材料整理",
    "协助整理材料、撰写简报",
    2,
    "2026-07-06",
    "2026-08-14",
    "工作日 9:00-17:00",
    "汉语言文学、新闻学",
    "王老师（科长）",
    "每天 50 元",
    "提供午餐",
    "注意交通安全",
)

_MAJOR_SPLIT = re.compile(r"[、,，;；/\n]+")


class SheetError(ValueError):
    """The file as a whole cannot be read (not a spreadsheet, no header row, too big…)."""


@dataclass
class Problem:
    row: int  # the spreadsheet's own row number (the header is row 1)
    column: str  # the column's header as the user sees it
    message: str


@dataclass
class Sheet:
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def read(content: bytes, filename: str) -> Sheet:
    if len(content) > MAX_BYTES:
        raise SheetError(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    name = filename.lower()
    table: Sequence[Sequence[Any]]
    if name.endswith(".xlsx") or content[:2] == b"PK":
        table = _xlsx_rows(content)
    elif name.endswith(".csv") or name.endswith(".txt"):
        table = _csv_rows(content)
    else:
        raise SheetError("send an .xlsx or a .csv file")
    return to_sheet(table)


def to_sheet(table: Iterable[Sequence[Any]]) -> Sheet:
    """Header row → fields; later rows → {field: value} with their row numbers; blank rows
    are skipped; unknown or missing headers are problems of row 1."""
    rows = iter(table)
    header = next(rows, None)
    if header is None or not any(_blank(c) is False for c in header):
        raise SheetError("the first row must hold the column headers (download the template)")
    sheet = Sheet()
    fields: list[str | None] = []
    for cell in header:
        text = "" if _blank(cell) else str(cell).strip().rstrip("*")
        column = BY_HEADER.get(text)
        if text and column is None:
            sheet.problems.append(Problem(1, text, "unknown column (see the template)"))
        fields.append(column.field if column else None)
    for column in COLUMNS:
        if column.required and column.field not in fields:
            sheet.problems.append(Problem(1, column.header, "required column is missing"))
    for number, cells in enumerate(rows, start=2):
        if all(_blank(c) for c in cells):
            continue
        if len(sheet.rows) >= MAX_ROWS:
            raise SheetError(f"at most {MAX_ROWS} posts per file")
        values: dict[str, Any] = {}
        for f, cell in zip(fields, cells, strict=False):
            if f is not None and not _blank(cell):
                values[f] = _value(f, cell)
        sheet.rows.append((number, values))
    if not sheet.rows and not sheet.problems:
        raise SheetError("the file has a header but no posts")
    return sheet


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _value(field_name: str, cell: Any) -> Any:
    if field_name == "majors":
        return [m.strip() for m in _MAJOR_SPLIT.split(str(cell)) if m.strip()]
    if isinstance(cell, datetime):
        return cell.date().isoformat() if field_name in ("starts_on", "ends_on") else str(cell)
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    if field_name in ("county", "township") and isinstance(cell, int):
        return str(cell)  # Excel turns 140302 into a number
    return cell.strip() if isinstance(cell, str) else cell


def _xlsx_rows(content: bytes) -> list[tuple[Any, ...]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise SheetError(f"not a readable .xlsx file ({type(exc).__name__})") from exc
    try:
        sheet = book.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True):
            rows.append(tuple(row))
            if len(rows) > MAX_ROWS + 1:
                raise SheetError(f"at most {MAX_ROWS} posts per file")
        return rows
    finally:
        book.close()


def _csv_rows(content: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes every byte string
        raise SheetError("the CSV is neither UTF-8 nor GB18030")
    if "\x00" in text:
        raise SheetError("the CSV holds NUL characters; is it really a CSV?")
    try:
        return list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise SheetError(f"not a readable CSV ({exc})") from exc


def template_xlsx() -> bytes:
    from openpyxl import Workbook
    from openpyxl.comments import Comment

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "岗位"
    sheet.append([c.header + ("*" if c.required else "") for c in COLUMNS])
    sheet.append(list(EXAMPLE))
    for i, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=i)
        if column.note:
            cell.comment = Comment(column.note, "Fanxiang")
        sheet.column_dimensions[cell.column_letter].width = max(12, len(column.header) * 3)
    # Codes stay text, so Excel keeps 140302 and leading zeros as typed.
    for letter in ("C", "D"):
        for row in range(2, 202):
            sheet[f"{letter}{row}"].number_format = "@"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.header + ("*" if c.required else "") for c in COLUMNS])
    writer.writerow(EXAMPLE)
    return ("\ufeff" + out.getvalue()).encode("utf-8")
