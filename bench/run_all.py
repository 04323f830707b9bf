"""Runs every benchmark (`bench/*/run.py`) one after another and prints their figures.

.venv/bin/python bench/run_all.py [names…]      e.g. `bench/run_all.py outbox matching`
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent


def main() -> int:
    wanted = set(sys.argv[1:])
    failed = []
    for script in sorted(HERE.glob("*/run.py")):
        name = script.parent.name
        if wanted and name not in wanted:
            continue
        print(f"\n=== {name} ===", flush=True)
        if subprocess.run([sys.executable, str(script)]).returncode != 0:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
