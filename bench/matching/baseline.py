"""The yardstick: a straightforward plain-Python deferred acceptance reading the same JSON.

Idiomatic code a careful engineer would write first: the json module, dicts and lists, a heap
per post. It follows the same contract (docs/matching.md) for what the benchmark instances use:
`ranking`, `refused`, `rules.locality` with `locality_exception`, capacities. It does not
implement `scores` (the benchmark instances rank by score, so they give `ranking`) and does not
validate. Usage: python baseline.py INSTANCE.json -o RESULT.json
"""

from __future__ import annotations

import argparse
import heapq
import json
import sys
import time
from collections import deque
from typing import Any


def solve(data: dict[str, Any]) -> dict[str, Any]:
    students = data["students"]
    posts = {p["id"]: p for p in data["posts"]}
    home_only = data.get("rules", {}).get("locality", "any") == "home-county"
    rank = {pid: {sid: r for r, sid in enumerate(p["ranking"])} for pid, p in posts.items()}
    refused = {pid: set(p.get("refused", ())) for pid, p in posts.items()}
    by_id = {s["id"]: s for s in students}
    next_choice = {s["id"]: 0 for s in students}
    held: dict[str, list[tuple[int, str]]] = {pid: [] for pid in posts}  # max-heap by rank
    assigned: dict[str, str] = {}
    proposals = 0
    free = deque(s["id"] for s in students)
    while free:
        sid = free.popleft()
        student = by_id[sid]
        choices = student["choices"]
        while next_choice[sid] < len(choices):
            pid = choices[next_choice[sid]]
            next_choice[sid] += 1
            proposals += 1
            post = posts[pid]
            r = rank[pid].get(sid)
            if r is None or sid in refused[pid]:
                continue
            if (
                home_only
                and not student.get("locality_exception", False)
                and post["county"] not in (student["home_county"], "city")
            ):
                continue
            heap = held[pid]
            if len(heap) < post["capacity"]:
                heapq.heappush(heap, (-r, sid))
                assigned[sid] = pid
                break
            if heap and -heap[0][0] > r:
                _, out = heapq.heapreplace(heap, (-r, sid))
                del assigned[out]
                assigned[sid] = pid
                free.append(out)
                break
    assignments = {s["id"]: assigned[s["id"]] for s in students if s["id"] in assigned}
    unmatched = [s["id"] for s in students if s["id"] not in assigned]
    seats = sum(p["capacity"] for p in posts.values())
    return {
        "assignments": assignments,
        "unmatched": unmatched,
        "stats": {
            "students": len(students),
            "posts": len(posts),
            "seats": seats,
            "placed": len(assignments),
            "unmatched": len(unmatched),
            "proposals": proposals,
        },
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("instance")
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args()
    t0 = time.perf_counter()
    with open(args.instance, encoding="utf-8") as f:
        data = json.load(f)
    result = solve(data)
    with open(args.output, "w", encoding="utf-8") as f:
        json.dump(result, f, ensure_ascii=False)
    print(f"baseline: {time.perf_counter() - t0:.2f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
