"""A streaming reader for the first worksheet of an .xlsx file.

openpyxl's read-only mode takes ~40 s per 100k rows here, and python-calamine loads the whole
sheet into memory before handing out a row. Survey exports are plain grids of strings and
numbers, so this reader decompresses the sheet XML in chunks and pulls cells out with regular
expressions: memory is bounded by one chunk plus the shared-strings table, and the regex engine
does the per-character work in C. Styles are ignored: a date comes out as its serial number
(`values.parse_time` understands those).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from html import unescape
from typing import IO
from xml.etree.ElementTree import iterparse

_CHUNK = 1 << 20
_ROW_RE = re.compile(rb"<(?:\w+:)?row\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?row>)", re.S)
_ROW_NUM_RE = re.compile(rb'\br="(\d+)"')
_CELL_RE = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_REF_RE = re.compile(rb'\br="([A-Z]+)\d*"')
_TYPE_RE = re.compile(rb'\bt="(\w+)"')
_V_RE = re.compile(rb"<(?:\w+:)?v>(.*?)</(?:\w+:)?v>", re.S)
_T_RE = re.compile(rb"<(?:\w+:)?t(?:\s[^>]*)?>(.*?)</(?:\w+:)?t>", re.S)
_RPH_RE = re.compile(rb"<(?:\w+:)?rPh\b.*?</(?:\w+:)?rPh>", re.S)
_ESC_RE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


class XlsxError(ValueError):
    pass


def _text(raw: bytes) -> str:
    s = raw.decode("utf-8")
    if "&" in s:
        s = unescape(s)
    if "_x" in s:  # OOXML escapes control characters as _xHHHH_
        s = _ESC_RE.sub(lambda m: chr(int(m.group(1), 16)), s)
    return s


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n - 1


def _first_sheet_path(zf: zipfile.ZipFile) -> str:
    names = set(zf.namelist())
    try:
        with zf.open("xl/workbook.xml") as fh:
            rid = None
            for _, el in iterparse(fh):
                if el.tag == f"{_NS_MAIN}sheet":
                    rid = el.get(f"{_NS_REL}id")
                    break
        if rid is not None:
            with zf.open("xl/_rels/workbook.xml.rels") as fh:
                for _, el in iterparse(fh):
                    if el.get("Id") == rid:
                        target = el.get("Target", "")
                        path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
                        if path in names:
                            return path
    except (KeyError, SyntaxError):
        pass
    sheets = sorted(n for n in names if re.match(r"xl/worksheets/sheet\d+\.xml$", n))
    if not sheets:
        raise XlsxError("the .xlsx file has no worksheet")
    return sheets[0]


def _shared_strings(zf: zipfile.ZipFile) -> list[str]:
    try:
        fh = zf.open("xl/sharedStrings.xml")
    except KeyError:
        return []
    out: list[str] = []
    with fh:
        for _, el in iterparse(fh):
            if el.tag == f"{_NS_MAIN}si":
                # Rich text runs are concatenated; phonetic guides (rPh) are not content.
                parts = [t.text or "" for t in el.iter(f"{_NS_MAIN}t")]
                phonetic = {
                    id(t) for p in el.iter(f"{_NS_MAIN}rPh") for t in p.iter(f"{_NS_MAIN}t")
                }
                if phonetic:
                    parts = [t.text or "" for t in el.iter(f"{_NS_MAIN}t") if id(t) not in phonetic]
                out.append("".join(parts))
                el.clear()
    return out


def iter_xlsx_rows(stream: IO[bytes]) -> Iterator[tuple[int, list[str]]]:
    """Yield (1-based sheet row number, cells as strings) for every row of the first sheet."""
    try:
        zf = zipfile.ZipFile(stream)
    except zipfile.BadZipFile as exc:
        raise XlsxError(f"not a readable .xlsx (zip) file: {exc}") from exc
    with zf:
        strings = _shared_strings(zf)
        path = _first_sheet_path(zf)
        with zf.open(path) as sheet:
            first = sheet.read(_CHUNK)
            # Namespace-prefixed markup (<x:row>) is rare; it takes the slower general path.
            fast = b"<row" in first or b"<sheetData/>" in first or b":row" not in first
            rows = _fast_rows if fast else _general_rows
            yield from rows(first, sheet, strings)


# One scan finds every row start, row end and cell of a chunk. The cell alternative covers the
# attribute orders writers use (r first, then s and t in either order); anything else (formula,
# rich text, other attribute orders) falls to the general alternatives and is parsed apart.
_TOKEN_RE = re.compile(
    rb'(<row)\b(?:[^>]*?\sr="(\d+)")?[^>]*?(/?)>'
    rb"|</row>"
    rb'|<c r="([A-Z]+)\d*"(?: s="\d+")?(?: t="(\w+)")?(?: s="\d+")?[^>/]*'
    rb"(?:/>|>(?:<v>([^<]*)</v>|<is><t(?: [^>]*)?>([^<]*)</t></is>|(.*?))</c>)"
    rb"|<c\b([^>]*?)(?:/>|>(.*?)</c>)",
    re.S,
)
_COLS: dict[bytes, int] = {}


def _fast_rows(
    first: bytes, sheet: IO[bytes], strings: list[str]
) -> Iterator[tuple[int, list[str]]]:
    buf = first
    cells: list[str] = []
    row_no = 0
    cols = _COLS
    eof = False
    while not eof:
        chunk = sheet.read(_CHUNK)
        eof = not chunk
        buf += chunk
        if eof:
            work, buf = buf, b""
        else:
            cut = buf.rfind(b"</row>")
            if cut < 0:
                continue
            work, buf = buf[: cut + 6], buf[cut + 6 :]
        for row, num, closed, col, kind, v, inline, other, attrs, content in _TOKEN_RE.findall(
            work
        ):
            if col:
                idx = cols.get(col)
                if idx is None:
                    idx = cols[col] = _col_index(col)
                if idx > len(cells):
                    cells.extend([""] * (idx - len(cells)))
                if v:
                    if kind == b"s":
                        cells.append(strings[int(v)])
                    elif not kind or kind == b"n":
                        cells.append(v[:-2].decode() if v.endswith(b".0") else v.decode())
                    else:
                        cells.append(_cell_content(kind, b"<v>" + v + b"</v>", strings))
                elif inline:
                    cells.append(_text(inline))
                elif other:
                    cells.append(_cell_content(kind, other, strings))
                else:
                    cells.append("")
            elif row:
                row_no = int(num) if num else row_no + 1
                cells = []
                if closed:
                    yield row_no, []
            elif attrs or content:  # a cell in an unusual shape
                ref = _REF_RE.search(attrs)
                if ref is not None:
                    idx = _col_index(ref.group(1))
                    if idx > len(cells):
                        cells.extend([""] * (idx - len(cells)))
                tm = _TYPE_RE.search(attrs)
                cells.append(
                    _cell_content(tm.group(1) if tm else b"", content, strings) if content else ""
                )
            else:  # </row>
                yield row_no, cells
                cells = []


def _cell_content(kind: bytes, content: bytes, strings: list[str]) -> str:
    if kind == b"inlineStr":
        return "".join(_text(t) for t in _T_RE.findall(_RPH_RE.sub(b"", content)))
    vm = _V_RE.search(content)
    raw = vm.group(1) if vm else b""
    if kind == b"s":
        return strings[int(raw)] if raw else ""
    if kind == b"b":
        return "TRUE" if raw == b"1" else "FALSE"
    if kind in (b"", b"n") and raw.endswith(b".0"):
        return raw[:-2].decode("ascii")
    return _text(raw)


def _general_rows(
    first: bytes, sheet: IO[bytes], strings: list[str]
) -> Iterator[tuple[int, list[str]]]:
    buf = first
    next_row = 1
    while True:
        chunk = sheet.read(_CHUNK)
        buf += chunk
        end = 0
        for m in _ROW_RE.finditer(buf):
            end = m.end()
            num = _ROW_NUM_RE.search(m.group(1))
            row_no = int(num.group(1)) if num else next_row
            next_row = row_no + 1
            body = m.group(2)
            yield row_no, _cells(body, strings) if body else []
        buf = buf[end:]
        if not chunk:
            break


def _cells(body: bytes, strings: list[str]) -> list[str]:
    cells: list[str] = []
    for m in _CELL_RE.finditer(body):
        attrs, content = m.group(1), m.group(2)
        ref = _REF_RE.search(attrs)
        if ref is not None:
            idx = _col_index(ref.group(1))
            if idx > len(cells):
                cells.extend([""] * (idx - len(cells)))
        if not content:
            cells.append("")
            continue
        tm = _TYPE_RE.search(attrs)
        kind = tm.group(1) if tm else b"n"
        if kind == b"inlineStr":
            text = "".join(_text(t) for t in _T_RE.findall(_RPH_RE.sub(b"", content)))
        else:
            vm = _V_RE.search(content)
            raw = vm.group(1) if vm else b""
            if kind == b"s":
                text = strings[int(raw)] if raw else ""
            elif kind == b"b":
                text = "TRUE" if raw == b"1" else "FALSE"
            elif kind == b"n" and raw.endswith(b".0"):
                text = raw[:-2].decode("ascii")
            else:
                text = _text(raw)
        cells.append(text)
    return cells
