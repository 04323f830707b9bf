"""Why each student did not get the choices they ranked above their placement.

For a stable matching every such choice has exactly one of three reasons, checked in this
order:
- `outside_home_county`: 属地管理 forbids the pair (rules.locality = "home-county", the post
  is neither in the student's home county nor "city", and no locality_exception);
- `not_acceptable`: the post did not rank or score the student (`detail: "not_ranked"`) or
  refused them (`detail: "refused"`);
- `full`: every seat went to someone the post puts ahead; `cutoff_rank` is the post's rank of
  the last student it admitted (1 = best; for `scores`, rank after the tie-break, with
  `cutoff_score`), beside the student's own `your_rank` (and `your_score`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .model import Instance, Matching
from .solver import allowed_entries, order_ranks, refused_entries


def explain(instance: Instance, matching: Matching) -> dict[str, dict[str, Any]]:
    """{student id: {"post", "choice", "not_placed_higher": [reasons...]}} for every student;
    `choice` is the 1-based position of the placement in the student's list, or null."""
    n = instance.n_students
    ptr = instance.choice_ptr
    chooser = np.repeat(np.arange(n, dtype=np.int64), np.diff(ptr))
    entry_post = instance.choice_post.astype(np.int64)
    rank = order_ranks(instance)
    refused = refused_entries(instance)
    allowed = allowed_entries(instance)

    assigned = matching.post.astype(np.int64)
    mine = assigned[chooser] == entry_post  # the entry each placed student holds
    held_at = np.full(n, -1, dtype=np.int64)
    held_at[chooser[mine]] = np.flatnonzero(mine)
    # Worst admitted rank per post, from the held entries.
    cutoff = np.full(instance.n_posts, -1, dtype=np.int64)
    held = held_at[held_at >= 0]
    np.maximum.at(cutoff, entry_post[held], rank[held])
    # Entries ranked above the placement: all of an unplaced student's list.
    position = np.arange(ptr[-1], dtype=np.int64) - ptr[chooser]
    limit = np.where(held_at >= 0, held_at - ptr[:-1], np.diff(ptr))
    above = position < limit[chooser]

    count = np.bincount(assigned[assigned >= 0], minlength=instance.n_posts)
    unstable = (
        above
        & allowed
        & (rank >= 0)
        & ~refused
        & ((count < instance.capacity)[entry_post] | (cutoff[entry_post] > rank))
    )
    if unstable.any():
        k = int(np.flatnonzero(unstable)[0])
        sid, pid = instance.student_ids[chooser[k]], instance.post_ids[entry_post[k]]
        raise ValueError(f"not a stable matching: {sid} and {pid} block it")

    sids, pids = instance.student_ids, instance.post_ids
    capacity = instance.capacity.tolist()
    cut = cutoff.tolist()
    scored = instance.post_scored.tolist()
    score = instance.order_score.tolist()
    base = instance.order_ptr.tolist()
    reasons: list[list[dict[str, Any]]] = [[] for _ in range(n)]
    idx = np.flatnonzero(above)
    columns = zip(
        chooser[idx].tolist(),
        entry_post[idx].tolist(),
        rank[idx].tolist(),
        allowed[idx].tolist(),
        refused[idx].tolist(),
        strict=True,
    )
    for s, p, r, ok, no in columns:
        item: dict[str, Any] = {"post": pids[p]}
        if not ok:
            item["reason"] = "outside_home_county"
        elif r < 0 or no:
            item["reason"] = "not_acceptable"
            item["detail"] = "refused" if no else "not_ranked"
        else:
            c = cut[p]
            item["reason"] = "full"
            item["capacity"] = capacity[p]
            item["cutoff_rank"] = c + 1 if c >= 0 else None
            item["your_rank"] = r + 1
            if scored[p]:
                item["cutoff_score"] = score[base[p] + c] if c >= 0 else None
                item["your_score"] = score[base[p] + r]
        reasons[s].append(item)

    held_list = held_at.tolist()
    post_list = assigned.tolist()
    first = ptr[:-1].tolist()
    return {
        sids[s]: {
            "post": pids[post_list[s]] if h >= 0 else None,
            "choice": h - first[s] + 1 if h >= 0 else None,
            "not_placed_higher": reasons[s],
        }
        for s, h in enumerate(held_list)
    }
