"""Survey import/analysis benchmark: one command, prints a table.

    .venv/bin/python bench/survey/run.py                    # 10k, 100k, 1M × csv, xlsx
    .venv/bin/python bench/survey/run.py --sizes 10000 --formats csv

Exports (问卷星 text download of the 17-question season questionnaire, messy rows included)
are generated once and cached under .dev/bench/survey/. Each file is measured in a fresh
process so that peak RSS belongs to that run alone:

- import: read + decode every row into responses (nothing kept);
- import+acc: the same pass feeding the streaming analysis accumulators (what `analyze` does);
- analysis: turning the accumulators into the result (statistics, cross-tabs, keywords);
- peak RSS of the whole process (import pass, then import+acc pass, then analysis);
- anchor: the least reading the same file costs in Python, with the standard library, every
  row decoded into a tuple of its str fields, no validation, nothing kept: CSV, `csv.reader`
  (the codec and newline mode our import uses); xlsx, zipfile + `ElementTree.iterparse`
  (expat), shared strings resolved, cells put at their columns;
- reader: a well-known third-party reader of the same file, where the lockfile has one: xlsx,
  openpyxl read-only `iter_rows(values_only=True)` (slow: only with `--reader`). pyarrow and
  polars are not dependencies, so CSV has none.

Each anchor runs right after the import, in a fresh process of the same interpreter and
environment. ratio = our import / anchor: above 1, our import costs that many times the bare
read (validation and decoding into responses are the difference); below 1, it is cheaper.

Wall time and CPU time (user+sys, the process and its children: a large xlsx sheet is read in
a child process) are both shown: on a shared machine CPU time is the steadier figure.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import resource
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".dev" / "bench" / "survey"
GENERATOR_VERSION = 2  # bump when exportgen's output changes, to regenerate the cache
# The least reading the same file costs in Python (standard library), and a well-known reader.
ANCHORS = {
    "csv": "stdlib csv.reader, every row a tuple of str",
    "xlsx": "stdlib zipfile + ElementTree.iterparse, every row a tuple of str",
}
READERS = {"xlsx": "openpyxl 3.1.5 read_only, iter_rows(values_only=True)"}
_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW, _V, _T, _SI, _SHEET_DATA = (_NS + t for t in ("row", "v", "t", "si", "sheetData"))


def _cpu() -> float:
    # A large xlsx sheet is read in a child process (survey_service.domain.xlsx): count the
    # CPU of finished children too.
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        r = resource.getrusage(who)
        total += r.ru_utime + r.ru_stime
    return total


def measure(path: Path) -> dict[str, float]:
    """Runs inside the child process."""
    from survey_service.domain import Analyzer, build_result, read_export, season_questionnaire

    q = season_questionnaire()
    out: dict[str, float] = {}
    w, c = time.perf_counter(), _cpu()
    with path.open("rb") as fh:
        n = sum(1 for _ in read_export(fh, q).responses())
    out["import_wall"], out["import_cpu"] = time.perf_counter() - w, _cpu() - c
    w, c = time.perf_counter(), _cpu()
    with path.open("rb") as fh:
        imp = read_export(fh, q)
        analyzer = Analyzer(imp.questionnaire)
        for response in imp.responses():
            analyzer.add(response)
    out["acc_wall"], out["acc_cpu"] = time.perf_counter() - w, _cpu() - c
    w, c = time.perf_counter(), _cpu()
    result = build_result(analyzer, imp.questionnaire, imp.report)
    out["analysis_wall"], out["analysis_cpu"] = time.perf_counter() - w, _cpu() - c
    assert result["responses"] == n
    out["responses"] = n
    out["rows"] = imp.report.data_rows
    out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def _stdlib_xlsx_rows(path: Path) -> Iterator[tuple[str, ...]]:
    """The first sheet's rows as tuples of str with the standard library alone: zipfile and
    ElementTree's streaming parser (expat, in C), shared strings resolved, a row's cells put at
    their columns when the row has gaps. What a plain streaming xlsx reader has to do."""
    with zipfile.ZipFile(path) as z:
        shared: list[str] = []
        if "xl/sharedStrings.xml" in z.namelist():
            with z.open("xl/sharedStrings.xml") as f:
                for _, el in ElementTree.iterparse(f):
                    if el.tag == _SI:
                        shared.append("".join(t.text or "" for t in el.iter(_T)))
                        el.clear()
        # exportgen writes one sheet, sheet1.xml (a general reader would follow workbook.xml).
        with z.open("xl/worksheets/sheet1.xml") as f:
            sheet_data = None
            for event, el in ElementTree.iterparse(f, events=("start", "end")):
                if event == "start":
                    if el.tag == _SHEET_DATA:
                        sheet_data = el
                    continue
                if el.tag != _ROW:
                    continue
                cells = []
                for c in el:
                    kind = c.get("t")
                    if kind == "s":
                        cells.append(shared[int(c.findtext(_V) or 0)])
                    elif kind == "inlineStr":
                        cells.append("".join(t.text or "" for t in c.iter(_T)))
                    else:
                        cells.append(c.findtext(_V) or "")
                if len(el) and _column(el[-1].get("r", "")) not in (0, len(el)):
                    placed = [""] * _column(el[-1].get("r", ""))
                    for c, value in zip(el, cells, strict=True):
                        placed[_column(c.get("r", "")) - 1] = value
                    cells = placed
                yield tuple(cells)
                # Drop the rows read so far, so memory stays at one row.
                (sheet_data if sheet_data is not None else el).clear()


def _column(ref: str) -> int:
    """1-based column of a cell reference ("AE12" → 31); 0 when there is none."""
    n = 0
    for ch in ref:
        if ch.isdigit():
            break
        n = n * 26 + ord(ch) - 64
    return n


def measure_anchor(path: Path, kind: str) -> dict[str, float]:
    """Runs inside its own child process: what reading `path` costs without our import.

    kind "floor": the standard library (csv.reader; zipfile + ElementTree for xlsx), every row a
    tuple of str; kind "reader": a well-known third-party reader (xlsx: openpyxl)."""
    w, c = time.perf_counter(), _cpu()
    rows = 0
    if path.suffix == ".csv":
        assert kind == "floor", "no third-party CSV reader in the lockfile"
        # What our CSV import does underneath (tabular._csv): the same codec, error handling
        # and newline mode; every record becomes a tuple of its str fields.
        with path.open("rb") as fh:
            text = io.TextIOWrapper(fh, encoding="utf-8-sig", errors="replace", newline="")
            for record in csv.reader(text):
                tuple(record)
                rows += 1
    elif kind == "floor":
        rows = sum(1 for _ in _stdlib_xlsx_rows(path))
    else:
        # openpyxl is in the workspace through placement-service; read-only mode streams the
        # sheet (stdlib expat underneath, no lxml installed), values only.
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True, data_only=True)
        for _ in wb.worksheets[0].iter_rows(values_only=True):
            rows += 1
        wb.close()
    return {
        "wall": time.perf_counter() - w,
        "cpu": _cpu() - c,
        "rows": rows,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _in_fresh_process(*args: str) -> dict[str, float]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": os.environ.get("PYTHONDONTWRITEBYTECODE", "")}
    proc = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, env=env, check=False
    )
    if proc.returncode != 0:
        print(proc.stderr, file=sys.stderr)
        raise SystemExit(f"{' '.join(args)} failed")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def ensure_export(n: int, fmt: str) -> Path:
    from survey_service.exportgen import generate_export

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"wjx-text-{n}-v{GENERATOR_VERSION}.{fmt}"
    if not path.exists():
        tmp = path.with_suffix(f".tmp.{fmt}")
        t = time.perf_counter()
        print(f"generating {path.name} …", file=sys.stderr, flush=True)
        generate_export(
            tmp, responses=n, seed=2026, vendor="wjx", mode="text", fmt=fmt, encoding="utf-8-sig"
        )
        tmp.rename(path)
        print(f"  done in {time.perf_counter() - t:.0f} s", file=sys.stderr, flush=True)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--formats", default="csv,xlsx")
    ap.add_argument(
        "--reader",
        action="store_true",
        help="also time a third-party reader (openpyxl: ~10 min CPU for the 1M xlsx file)",
    )
    ap.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--anchor", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--kind", default="floor", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    if args.anchor:
        print(json.dumps(measure_anchor(args.anchor, args.kind)))
        return
    started = time.perf_counter()
    sizes = [int(s) for s in args.sizes.split(",")]
    formats = args.formats.split(",")
    header = (
        f"| {'responses':>9} | {'format':6} | {'file MB':>7} | {'import s (cpu)':>15} | "
        f"{'import+acc s (cpu)':>19} | {'analysis s (cpu)':>16} | {'peak RSS MB':>11} | "
        f"{'anchor s (cpu)':>15} | {'ratio wall (cpu)':>16} | "
        f"{'reader s (cpu)':>15} | {'ratio wall (cpu)':>16} | {'load avg':>9} |"
    )
    rows, results = [], []
    for n in sizes:
        for fmt in formats:
            path = ensure_export(n, fmt)
            load_before = os.getloadavg()[0]
            m: dict[str, Any] = _in_fresh_process("--measure", str(path))
            # Back to back with the import: same file, interpreter and environment, each in a
            # fresh process.
            m["anchor"] = {"what": ANCHORS[fmt], **_in_fresh_process("--anchor", str(path))}
            if fmt in READERS and args.reader:
                m["reader"] = {
                    "what": READERS[fmt],
                    **_in_fresh_process("--anchor", str(path), "--kind", "reader"),
                }
            for key in ("anchor", "reader"):
                if key in m:
                    m[key]["ratio_wall"] = m["import_wall"] / m[key]["wall"]
                    m[key]["ratio_cpu"] = m["import_cpu"] / m[key]["cpu"]
            load = (load_before, os.getloadavg()[0])
            m.update(
                responses_generated=n,
                format=fmt,
                file_mb=round(path.stat().st_size / 1e6, 1),
                load_average_1m=[round(x, 2) for x in load],
            )
            results.append(_rounded(m))
            rows.append(
                f"| {n:>9,} | {fmt:6} | {path.stat().st_size / 1e6:>7.0f} | "
                f"{m['import_wall']:>7.1f} ({m['import_cpu']:>5.1f}) | "
                f"{m['acc_wall']:>11.1f} ({m['acc_cpu']:>5.1f}) | "
                f"{m['analysis_wall']:>8.2f} ({m['analysis_cpu']:>5.2f}) | "
                f"{m['rss_mb']:>11.0f} | "
                f"{_anchor_cells(m.get('anchor'))} | {_anchor_cells(m.get('reader'))} | "
                f"{load[0]:>4.1f}–{load[1]:<4.1f} |"
            )
            print(rows[-1], file=sys.stderr, flush=True)
    total = time.perf_counter() - started
    print(json.dumps({"survey_import": results, "total_s": round(total, 1)}, ensure_ascii=False))
    print("survey import (read + decode into validated responses) against, in the same run:")
    for fmt in formats:
        print(f"  {fmt} anchor: {ANCHORS[fmt]}; reader: {READERS.get(fmt, '—')}")
    print("ratio = our import / anchor (or reader); target: 1M-row import ≤ 60 s")
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    print("\n".join(rows))
    print(f"whole survey bench: {total:.0f} s wall")


def _anchor_cells(a: dict[str, Any] | None) -> str:
    if a is None:
        return f"{'—':>15} | {'—':>16}"
    return (
        f"{a['wall']:>7.2f} ({a['cpu']:>5.2f}) | {a['ratio_wall']:>8.2f} ({a['ratio_cpu']:>5.2f})"
    )


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


if __name__ == "__main__":
    main()
