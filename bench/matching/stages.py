"""CPU seconds per phase of the fast path, in one process (for the README's breakdown).
The fast path itself runs choices and rankings on two threads; here they run one by one.

.venv/bin/python bench/matching/stages.py bench/matching/.data/season-v2-1000000x300000.json
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable
from operator import attrgetter
from pathlib import Path
from typing import Any

import msgspec
import numpy as np
import orjson

from matching_service.domain import fastparse, result_document, solver
from matching_service.domain.assemble import county_codes
from matching_service.domain.hashing import IdIndex
from matching_service.domain.parse import parse_instance
from matching_service.domain.schema import RawDoc
from matching_service.domain.tokens import scan_string_arrays


def timed(name: str, step: Callable[[], Any]) -> Any:
    t0 = time.process_time()
    out = step()
    print(f"{name:<28} {time.process_time() - t0:6.2f}")
    return out


def fast_path_steps(data: bytes) -> None:
    """The fast path's steps one by one (parse_fast does the same, plus assembling)."""
    doc = timed("decode (msgspec, raw lists)", lambda: msgspec.json.decode(data, type=RawDoc))
    students, posts = doc.students, doc.posts

    def ids() -> tuple[IdIndex, IdIndex]:
        return (
            IdIndex(list(map(attrgetter("id"), students))),
            IdIndex(list(map(attrgetter("id"), posts))),
        )

    s_index, p_index = timed("id tables", ids)

    def choices() -> Any:
        tokens = scan_string_arrays(list(map(attrgetter("choices"), students)))
        assert tokens is not None
        post = fastparse._map(tokens, p_index)
        assert post is not None
        fastparse._has_duplicate_pairs(fastparse._rows(tokens.ptr), post, len(posts))

    timed("choices -> post numbers", choices)
    timed(
        "rankings -> student numbers",
        lambda: fastparse._given_orders(
            list(map(attrgetter("ranking"), posts)),
            list(map(attrgetter("scores"), posts)),
            s_index,
            len(students),
        ),
    )

    def columns() -> None:
        county_codes(
            list(map(attrgetter("home_county"), students)), list(map(attrgetter("county"), posts))
        )
        fastparse._points(list(map(attrgetter("home"), students)))
        fastparse._column(students, "locality_exception", bool)
        fastparse._column(posts, "capacity", np.int64)

    timed("counties, coordinates, flags", columns)


def main() -> None:
    gc.disable()
    data = timed("read", lambda: Path(sys.argv[1]).read_bytes())
    fast_path_steps(data)
    inst = timed("parse_instance (all of it)", lambda: parse_instance(data))
    prepared = timed("build (solver.prepare)", lambda: solver.prepare(inst))
    matching = timed("DA (solver.run)", lambda: solver.run(inst, prepared))
    timed("result (dict + orjson)", lambda: orjson.dumps(result_document(inst, matching)))


if __name__ == "__main__":
    main()
