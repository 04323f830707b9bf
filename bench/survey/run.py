"""Survey import/analysis benchmark: one command, prints a table.

    .venv/bin/python bench/survey/run.py                    # 10k, 100k, 1M × csv, xlsx
    .venv/bin/python bench/survey/run.py --sizes 10000 --formats csv

Exports (问卷星 text download of the 17-question season questionnaire, messy rows included)
are generated once and cached under .dev/bench/survey/. Each file is measured in a fresh
process so that peak RSS belongs to that run alone:

- import: read + decode every row into responses (nothing kept);
- import+acc: the same pass feeding the streaming analysis accumulators (what `analyze` does);
- analysis: turning the accumulators into the result (statistics, cross-tabs, keywords);
- peak RSS of the whole process (import pass, then import+acc pass, then analysis).

Wall time and CPU time (user+sys, the process and its children: a large xlsx sheet is read in
a child process) are both shown: on a shared machine CPU time is the steadier figure.
"""

from __future__ import annotations

import argparse
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
    args = ap.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    formats = args.formats.split(",")
    header = (
        f"| {'responses':>9} | {'format':6} | {'file MB':>7} | {'import s (cpu)':>15} | "
        f"{'import+acc s (cpu)':>19} | {'analysis s (cpu)':>16} | {'peak RSS MB':>11} |"
    )
    rows = []
    for n in sizes:
        for fmt in formats:
            path = ensure_export(n, fmt)
            env = {
                **os.environ,
                "PYTHONDONTWRITEBYTECODE": os.environ.get("PYTHONDONTWRITEBYTECODE", ""),
            }
            proc = subprocess.run(
                [sys.executable, __file__, "--measure", str(path)],
                capture_output=True,
                text=True,
                env=env,
                check=False,
            )
            if proc.returncode != 0:
                print(proc.stderr, file=sys.stderr)
                raise SystemExit(f"measuring {path.name} failed")
            m = json.loads(proc.stdout.strip().splitlines()[-1])
            rows.append(
                f"| {n:>9,} | {fmt:6} | {path.stat().st_size / 1e6:>7.0f} | "
                f"{m['import_wall']:>7.1f} ({m['import_cpu']:>5.1f}) | "
                f"{m['acc_wall']:>11.1f} ({m['acc_cpu']:>5.1f}) | "
                f"{m['analysis_wall']:>8.2f} ({m['analysis_cpu']:>5.2f}) | "
                f"{m['rss_mb']:>11.0f} |"
            )
            print(rows[-1], file=sys.stderr, flush=True)
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
