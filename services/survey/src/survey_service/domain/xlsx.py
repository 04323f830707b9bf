"""A streaming reader for the first worksheet of an .xlsx file.

openpyxl's read-only mode takes ~40 s per 100k rows here, and python-calamine (0.9.1, measured
on the 100k-row benchmark export) loads the whole sheet before handing out a row: 334 MB peak
RSS at 100k rows, growing with the file (~3 GB at 1M), and no faster than this reader (4.4 s
against 3.7 s CPU). Survey exports are plain grids of strings and
numbers, so this reader decompresses the sheet XML in chunks and pulls cells out with regular
expressions: memory is bounded by one chunk plus the shared-strings table, and the regex engine
does the per-character work in C. Styles are ignored: a date comes out as its serial number
(`values.parse_time` understands those).
"""

from __future__ import annotations

import marshal
import os
import pickle
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from html import unescape
from itertools import islice
from typing import IO, Any
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


# Reading the sheet is about half the CPU of an import (the other half, decoding rows into
# responses, is shared with CSV). From this size of sheet XML on (~15k survey rows) the rows
# are read in a child process while the caller decodes and stores the previous ones: two
# stages on two cores. Below it, starting a process costs more than it saves.
PARALLEL_MIN_BYTES = 32 << 20
_BATCH_ROWS = 250  # ~150 KB of marshal: several fit in the pipe
_PIPE_BYTES = 1 << 20
_ROWS, _XLSX_ERROR, _ERROR = 0, 1, 2  # frame kinds: marshalled rows, XlsxError, pickled error


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
    """Yield (1-based sheet row number, cells as strings) for every row of the first sheet.

    A large sheet of a file on disk is read in a child process (see `_child_rows`)."""
    try:
        zf = zipfile.ZipFile(stream)
    except zipfile.BadZipFile as exc:
        raise XlsxError(f"not a readable .xlsx (zip) file: {exc}") from exc
    with zf:
        file_path = getattr(stream, "name", None)
        if (
            _sheet_size(zf) >= PARALLEL_MIN_BYTES
            and isinstance(file_path, str)
            and os.path.isfile(file_path)
            and sys.executable
            and os.path.isfile(__file__)  # the child loads this file by its path
        ):
            yield from _child_rows(file_path)
            return
        strings = _shared_strings(zf)
        path = _first_sheet_path(zf)
        with zf.open(path) as sheet:
            first = sheet.read(_CHUNK)
            # Namespace-prefixed markup (<x:row>) is rare; it takes the slower general path.
            fast = b"<row" in first or b"<sheetData/>" in first or b":row" not in first
            rows = _fast_rows if fast else _general_rows
            yield from rows(first, sheet, strings)


# The common shape, as spreadsheet writers emit it: <row r="N" …>, then cells
# <c r="B7" [s="…"] [t="inlineStr|s|n|str"]><v>…</v></c> or <is><t>…</t></is>. A chunk is
# decoded once and split at </row> (C speed); per row one regex scan takes the values of the
# cells of that shape. When a chunk's cells all matched (their count is the count of "<c "),
# a row of n values running from A to the n-th column (cells are in column order, so no gap)
# is the list of values as found — no Python work per cell. Anything else (a gap, a formula,
# rich text, booleans, entities, _xHHHH_ escapes, "1.0"-style numbers: the value pattern
# excludes &, _ and a trailing .0) goes through the general per-cell parser.
_SHAPE = (
    r'<c r="[A-Z]+\d+"(?: s="\d+")?(?: t="({kinds})")?(?: s="\d+")?>'
    r'(?:<v>|<is><t(?: xml:space="preserve")?>)([^<&_]*)(?<!\.0)</(?:v>|t></is>)</c>'
)
_VAL_S = re.compile(_SHAPE.format(kinds="?:inlineStr|n|str"))  # one group: the value
_SVAL_S = re.compile(_SHAPE.format(kinds="s|inlineStr|n|str"))  # (type, value)
_ROW_NUM_S = re.compile(r'\br="(\d+)"')
_DENSE: list[str] = []  # column names A, B, … as far as rows have needed


def _dense(n: int) -> list[str]:
    while len(_DENSE) < n:
        i, name = len(_DENSE) + 1, ""
        while i:
            i, rem = divmod(i - 1, 26)
            name = chr(65 + rem) + name
        _DENSE.append(name)
    return _DENSE


def _row_cells(
    body: str, values: list[str], strings: list[str], shared: bool, clean: bool
) -> list[str]:
    """``values``: what the shape regex found; ``clean``: every cell of the chunk matched."""
    n = len(values)
    if n and (clean or body.count("<c ") == n) and body.startswith('<c r="A'):
        last = body.rfind('<c r="') + 6
        end = last
        while body[end].isalpha():
            end += 1
        if body[last:end] == _dense(n)[n - 1] and not body[7].isalpha():
            if shared:
                pairs: list[Any] = values
                return [strings[int(v)] if t == "s" else v for t, v in pairs]
            return values
    return _cells(body.encode("utf-8"), strings)  # a gap, or a cell of another shape


def _fast_rows(
    first: bytes, sheet: IO[bytes], strings: list[str]
) -> Iterator[tuple[int, list[str]]]:
    buf = first
    row_no = 0
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
            work, buf = buf[:cut], buf[cut + 6 :]
        text = work.decode("utf-8")
        shared = 't="s"' in text
        shape = _SVAL_S if shared else _VAL_S
        rows: list[tuple[int, str | None, list[Any]]] = []
        matched = 0
        for piece in text.split("</row>"):
            # A piece holds one open row (the last) after any number of empty <row …/>.
            start = piece.find("<row")
            while start >= 0:
                if piece[start + 4] not in " >/":  # <rowBreaks> and the like
                    start = piece.find("<row", start + 4)
                    continue
                close = piece.find(">", start)
                attrs = piece[start + 4 : close]
                if attrs.startswith(' r="'):
                    row_no = int(attrs[4 : attrs.index('"', 4)])
                else:
                    num = _ROW_NUM_S.search(attrs)
                    row_no = int(num.group(1)) if num else row_no + 1
                if attrs.endswith("/"):
                    rows.append((row_no, None, []))
                    start = piece.find("<row", close)
                    continue
                body = piece[close + 1 :]
                found = shape.findall(body)
                matched += len(found)
                rows.append((row_no, body, found))
                break
        clean = matched == text.count("<c ")
        for num_, body_, found_ in rows:
            yield num_, [] if not body_ else _row_cells(body_, found_, strings, shared, clean)


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


# -- the child process ---------------------------------------------------------------------
# The child loads this file alone (no package import: it needs the standard library only)
# and writes frames to its stdout: kind (1 byte), length (4 bytes), payload. Rows go as
# marshal (fastest for lists of str, same interpreter on both ends). The pipe holds 1 MB,
# so the child is at most that far ahead of the caller: memory stays bounded.
_CHILD_CODE = (
    "import importlib.util as u, sys; "
    "s = u.spec_from_file_location('_survey_xlsx_child', sys.argv[1]); "
    "m = u.module_from_spec(s); s.loader.exec_module(m); m._child_main(sys.argv[2])"
)


def _child_main(file_path: str) -> None:
    out = sys.stdout.buffer

    def frame(kind: int, payload: bytes) -> None:
        out.write(bytes([kind]) + len(payload).to_bytes(4, "little") + payload)

    try:
        with open(file_path, "rb") as fh:
            zf = zipfile.ZipFile(fh)
            with zf:
                strings = _shared_strings(zf)
                with zf.open(_first_sheet_path(zf)) as sheet:
                    first = sheet.read(_CHUNK)
                    fast = b"<row" in first or b"<sheetData/>" in first or b":row" not in first
                    rows = (_fast_rows if fast else _general_rows)(first, sheet, strings)
                    while batch := list(islice(rows, _BATCH_ROWS)):
                        frame(_ROWS, marshal.dumps(batch))
    except BrokenPipeError:
        os._exit(0)  # the caller stopped reading
    except XlsxError as exc:
        frame(_XLSX_ERROR, str(exc).encode("utf-8"))
    except Exception as exc:
        frame(_ERROR, pickle.dumps(exc))
    out.flush()


def _sheet_size(zf: zipfile.ZipFile) -> int:
    """Bytes of the first sheet's XML; 0 when it cannot be found (the in-process path then
    reports the problem as it always has)."""
    try:
        return zf.getinfo(_first_sheet_path(zf)).file_size
    except Exception:
        return 0


def _widen_pipe(fd: int) -> None:
    """Let the child run several batches ahead (1 MB instead of 64 KB, Linux): with a pipe
    smaller than a batch, every batch takes a dozen hand-overs between the two processes, and
    on a busy machine each waits for a time slice."""
    try:
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
    except (ImportError, AttributeError, OSError):
        pass  # another system, or above /proc/sys/fs/pipe-max-size: the default pipe


def _child_rows(file_path: str) -> Iterator[tuple[int, list[str]]]:
    proc = subprocess.Popen(
        [sys.executable, "-I", "-S", "-c", _CHILD_CODE, __file__, file_path],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        bufsize=1 << 20,
    )
    out = proc.stdout
    assert out is not None
    _widen_pipe(out.fileno())
    try:
        while head := out.read(5):
            size = int.from_bytes(head[1:5], "little")
            payload = out.read(size)
            if len(head) < 5 or len(payload) < size:
                break  # the child died mid-frame: reported below
            if head[0] == _ROWS:
                yield from marshal.loads(payload)
            elif head[0] == _XLSX_ERROR:
                raise XlsxError(payload.decode("utf-8"))
            else:
                raise pickle.loads(payload)  # our own child's exception
        code = proc.wait()
        if code != 0:
            raise RuntimeError(f"the .xlsx reading process ended with exit code {code}")
    finally:
        if proc.poll() is None:
            proc.kill()  # the caller stopped early (or failed): the child is not needed
            proc.wait()
        out.close()
