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
- anchor: the least a reading of the same file costs with a plain, well-kept Python reader,
  measured right after, in a fresh process of the same interpreter: CSV, stdlib `csv.reader`
  decoding every row into a tuple of its str fields; xlsx, openpyxl `read_only=True`
  `iter_rows(values_only=True)`. No validation, nothing kept. The ratio is our import / anchor.

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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".dev" / "bench" / "survey"
GENERATOR_VERSION = 2  # bump when exportgen's output changes, to regenerate the cache
ANCHORS = {
    "csv": "stdlib csv.reader, every row a tuple of str",
    "xlsx": "openpyxl read_only iter_rows(values_only=True)",
}


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


def measure_anchor(path: Path) -> dict[str, float]:
    """Runs inside its own child process: the floor an import of `path` is compared with."""
    w, c = time.perf_counter(), _cpu()
    rows = 0
    if path.suffix == ".csv":
        # What our CSV import does underneath (tabular._csv): the same codec, error handling
        # and newline mode; every record becomes a tuple of its str fields.
        with path.open("rb") as fh:
            text = io.TextIOWrapper(fh, encoding="utf-8-sig", errors="replace", newline="")
            for record in csv.reader(text):
                tuple(record)
                rows += 1
    else:
        # openpyxl (in the workspace through placement-service) is the plain reader one would
        # reach for; read-only mode streams the sheet (stdlib expat), values only.
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True, data_only=True)
        for _ in wb.worksheets[0].iter_rows(values_only=True):
            rows += 1
        wb.close()
    wall, cpu = time.perf_counter() - w, _cpu() - c
    return {
        "anchor_wall": wall,
        "anchor_cpu": cpu,
        "anchor_rows": rows,
        "anchor_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _in_fresh_process(flag: str, path: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": os.environ.get("PYTHONDONTWRITEBYTECODE", "")}
    proc = subprocess.run(
        [sys.executable, __file__, flag, str(path)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if proc.returncode != 0:
        print(proc.stderr, file=sys.stderr)
        raise SystemExit(f"{flag} {path.name} failed")
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
    ap.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--anchor", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    if args.anchor:
        print(json.dumps(measure_anchor(args.anchor)))
        return
    started = time.perf_counter()
    sizes = [int(s) for s in args.sizes.split(",")]
    formats = args.formats.split(",")
    header = (
        f"| {'responses':>9} | {'format':6} | {'file MB':>7} | {'import s (cpu)':>15} | "
        f"{'import+acc s (cpu)':>19} | {'analysis s (cpu)':>16} | {'peak RSS MB':>11} | "
        f"{'anchor s (cpu)':>15} | {'ratio wall (cpu)':>16} | {'load avg':>9} |"
    )
    rows, results = [], []
    for n in sizes:
        for fmt in formats:
            path = ensure_export(n, fmt)
            load_before = os.getloadavg()[0]
            m = _in_fresh_process("--measure", path)
            # Back to back with the import, same interpreter and environment, fresh process.
            m.update(_in_fresh_process("--anchor", path))
            load = (load_before, os.getloadavg()[0])
            m.update(
                responses_generated=n,
                format=fmt,
                file_mb=round(path.stat().st_size / 1e6, 1),
                anchor=ANCHORS[fmt],
                ratio_wall=m["import_wall"] / m["anchor_wall"],
                ratio_cpu=m["import_cpu"] / m["anchor_cpu"],
                load_average_1m=[round(x, 2) for x in load],
            )
            results.append({k: round(v, 3) if isinstance(v, float) else v for k, v in m.items()})
            rows.append(
                f"| {n:>9,} | {fmt:6} | {path.stat().st_size / 1e6:>7.0f} | "
                f"{m['import_wall']:>7.1f} ({m['import_cpu']:>5.1f}) | "
                f"{m['acc_wall']:>11.1f} ({m['acc_cpu']:>5.1f}) | "
                f"{m['analysis_wall']:>8.2f} ({m['analysis_cpu']:>5.2f}) | "
                f"{m['rss_mb']:>11.0f} | "
                f"{m['anchor_wall']:>7.2f} ({m['anchor_cpu']:>5.2f}) | "
                f"{m['ratio_wall']:>8.2f} ({m['ratio_cpu']:>5.2f}) | "
                f"{load[0]:>4.1f}–{load[1]:<4.1f} |"
            )
            print(rows[-1], file=sys.stderr, flush=True)
    total = time.perf_counter() - started
    print(json.dumps({"survey_import": results, "total_s": round(total, 1)}, ensure_ascii=False))
    print(
        "survey import: ours = read + decode into validated responses; anchor (same run, fresh "
        "process) = " + "; ".join(f"{f}: {ANCHORS[f]}" for f in formats)
    )
    print("ratio = ours / anchor (import pass); target: 1M-row import ≤ 60 s")
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    print("\n".join(rows))
    print(f"whole survey bench: {total:.0f} s wall")


if __name__ == "__main__":
    main()
