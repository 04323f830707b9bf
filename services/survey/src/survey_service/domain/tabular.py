"""Open an export as a grid of string cells, whatever its container: .xlsx or CSV (comma, tab
or semicolon separated; UTF-8 with or without BOM, GBK/GB18030, UTF-16). Detected by content.

Rows are streamed: nothing here holds more than one read buffer.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from survey_service.domain.textcodec import SAMPLE_BYTES, detect_encoding
from survey_service.domain.xlsx import XlsxError, iter_xlsx_rows


class UnreadableExport(ValueError):
    """The file cannot be read as an export at all (wrong type, undecodable, no header)."""


@dataclass(frozen=True, slots=True)
class TableInfo:
    format: str  # "xlsx" | "csv"
    encoding: str | None  # CSV only
    delimiter: str | None  # CSV only


@dataclass(slots=True)
class Table:
    info: TableInfo
    header: list[str]
    header_row: int
    rows: Iterator[tuple[int, list[str]]]  # (1-based row/line number, cells)


def open_table(stream: IO[bytes]) -> Table:
    """Detect the container of a seekable binary stream and return its header and row stream."""
    head = stream.read(8)
    stream.seek(0)
    if not head:
        raise UnreadableExport("the file is empty")
    if head.startswith(b"PK\x03\x04"):
        return _xlsx(stream)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableExport(
            "this is a legacy Excel 97-2003 .xls file, which is not supported: "
            "download the export as .xlsx or .csv instead"
        )
    low = stream.read(2048).lower()
    stream.seek(0)
    if low.lstrip().startswith((b"<html", b"<!doctype", b"<?xml", b"<table")):
        raise UnreadableExport(
            "this is an HTML/XML page (a web page saved as .xls?), not an export: "
            "download the export as .xlsx or .csv instead"
        )
    if b"\x00" in low and not low.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UnreadableExport("this is a binary file, not a .xlsx or .csv export")
    return _csv(stream)


def _first_nonblank(rows: Iterator[tuple[int, list[str]]]) -> tuple[int, list[str]]:
    for number, cells in rows:
        if any(c.strip() for c in cells):
            return number, cells
    raise UnreadableExport("the file has no header row (it holds no data at all)")


def _xlsx(stream: IO[bytes]) -> Table:
    rows = iter_xlsx_rows(stream)
    try:
        number, header = _first_nonblank(rows)
    except XlsxError as exc:
        raise UnreadableExport(str(exc)) from exc
    return Table(TableInfo("xlsx", None, None), header, number, _guard_xlsx(rows))


def _guard_xlsx(rows: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, list[str]]]:
    try:
        yield from rows
    except XlsxError as exc:
        raise UnreadableExport(str(exc)) from exc


def _csv(stream: IO[bytes]) -> Table:
    sample = stream.read(SAMPLE_BYTES)
    stream.seek(0)
    encoding = detect_encoding(sample)
    if encoding is None:
        raise UnreadableExport(
            "cannot decode the file as UTF-8 or GBK/GB18030 text: is it really a CSV export?"
        )
    text_sample = sample.decode(encoding, errors="ignore")
    first_line = text_sample.split("\n", 1)[0]
    delimiter = max(",\t;", key=first_line.count)
    if first_line.count(delimiter) == 0:
        delimiter = ","
    # errors="replace": one bad byte must not lose the file; rows holding U+FFFD are reported.
    text = io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline="")
    reader = csv.reader(text, delimiter=delimiter)
    rows = _numbered(reader)
    try:
        number, header = _first_nonblank(rows)
    except csv.Error as exc:
        raise UnreadableExport(f"malformed CSV: {exc}") from exc
    return Table(TableInfo("csv", encoding, delimiter), header, number, rows)


def _numbered(reader: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
    # csv.reader's line_num counts physical lines; a quoted cell may span several, so report
    # the line a record starts on.
    line_num = getattr(reader, "line_num", 0)
    while True:
        start = line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise UnreadableExport(f"malformed CSV near line {start}: {exc}") from exc
        line_num = getattr(reader, "line_num", start)
        yield start, cells
