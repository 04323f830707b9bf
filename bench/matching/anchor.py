"""The `matching` package (PyPI, 1.4.3) on the same instance: HospitalResident, resident-optimal.

Known problems it needs worked around (shared/reference/matching-notes.md): hospitals must
rank exactly the residents who ranked them, capacity 0 raises IndexError (#112), and the
constructor's deep copy recurses per player (#139), so it runs with a high recursion limit on
a thread with a big stack. Only acceptable pairs go in (unranked, refused and 属地管理-
forbidden ones are dropped), which leaves the stable matchings unchanged.

Usage: python anchor.py INSTANCE.json -o RESULT.json   (prints create/solve seconds as JSON)
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path

from matching_service.domain import Instance, parse_instance, solve
from matching_service.domain.solver import acceptable_ranks


def anchor_input(
    inst: Instance,
) -> tuple[dict[str, list[str]], dict[str, list[str]], dict[str, int]]:
    rank = acceptable_ranks(inst)
    sids, pids = inst.student_ids, inst.post_ids
    residents: dict[str, list[str]] = {}
    applied: dict[int, set[int]] = {}
    for s in range(inst.n_students):
        lo, hi = int(inst.choice_ptr[s]), int(inst.choice_ptr[s + 1])
        ok = [
            int(p)
            for p, r in zip(inst.choice_post[lo:hi], rank[lo:hi], strict=True)
            if r >= 0 and inst.capacity[p] > 0
        ]
        if ok:
            residents[sids[s]] = [pids[p] for p in ok]
            for p in ok:
                applied.setdefault(p, set()).add(s)
    hospitals = {
        pids[p]: [sids[s] for s in inst.order_of(p).tolist() if s in who]
        for p, who in applied.items()
    }
    capacities = {pids[p]: int(inst.capacity[p]) for p in applied}
    return residents, hospitals, capacities


def anchor_solve(inst: Instance) -> tuple[dict[str, str], float, float]:
    """(assignments, create seconds, solve seconds)."""
    from matching.games import HospitalResident

    residents, hospitals, capacities = anchor_input(inst)
    out: dict[str, str] = {}
    times: list[float] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            t0 = time.perf_counter()
            game = HospitalResident.create_from_dictionaries(residents, hospitals, capacities)
            t1 = time.perf_counter()
            solution = game.solve(optimal="resident")
            t2 = time.perf_counter()
            out.update({r.name: h.name for h, rs in solution.items() for r in rs})
            times.extend([t1 - t0, t2 - t1])
        except BaseException as exc:
            errors.append(exc)

    sys.setrecursionlimit(1_000_000)
    threading.stack_size(1024 * 1024 * 1024)
    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    if errors:
        raise errors[0]
    return out, times[0], times[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("instance", type=Path)
    ap.add_argument("-o", "--output", type=Path, required=True)
    args = ap.parse_args()
    data = args.instance.read_bytes()
    # Ours in the same process, for a like-for-like ratio (no start-up, no file writing).
    t0 = time.perf_counter()
    ours = solve(parse_instance(data))
    ours_s = time.perf_counter() - t0
    inst = parse_instance(data)
    assignments, create_s, solve_s = anchor_solve(inst)
    assert assignments == ours.as_dict(inst), "the matching package disagrees"
    args.output.write_text(json.dumps({"assignments": assignments}))
    print(json.dumps({"create_s": create_s, "solve_s": solve_s, "ours_s": ours_s}))


if __name__ == "__main__":
    main()
