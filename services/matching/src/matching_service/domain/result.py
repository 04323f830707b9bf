"""The result document (contract 4): assignments, unmatched, stats, optional explanations."""

from __future__ import annotations

from typing import Any

import numpy as np

from .model import Instance, Matching

ALGORITHM = "student-proposing deferred acceptance"


def stats(instance: Instance, matching: Matching) -> dict[str, Any]:
    """Figures a coordinator reads first, plus what replays the round exactly (seed, hash)."""
    placed = matching.placed()
    seats = int(instance.capacity.sum())
    # 1-based position of each placement in the student's list, counted per position.
    assigned = matching.post.astype(np.int64)
    chooser = np.repeat(np.arange(instance.n_students), np.diff(instance.choice_ptr))
    held = np.flatnonzero(assigned[chooser] == instance.choice_post)
    position = held - instance.choice_ptr[chooser[held]]
    by_choice = np.bincount(position).tolist() if position.size else []
    return {
        "algorithm": ALGORITHM,
        "students": instance.n_students,
        "posts": instance.n_posts,
        "seats": seats,
        "placed": placed,
        "unmatched": instance.n_students - placed,
        "fill_rate": round(placed / seats, 4) if seats else 0.0,
        "placed_rate": round(placed / instance.n_students, 4) if instance.n_students else 0.0,
        "placed_by_choice": by_choice,
        "proposals": matching.proposals,
        "locality": instance.locality,
        "seed": instance.seed,
        "input_sha256": instance.sha256,
    }


def result_document(
    instance: Instance, matching: Matching, *, explanations: dict[str, Any] | None = None
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "assignments": matching.as_dict(instance),
        "unmatched": matching.unmatched(instance),
        "stats": stats(instance, matching),
    }
    if explanations is not None:
        doc["explanations"] = explanations
    return doc
