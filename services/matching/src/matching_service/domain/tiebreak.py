"""How a post that gave `scores` orders its applicants (docs/matching.md, "Tie-break").

1. higher score first;
2. then nearer home first (就近就便): great-circle distance from the student's `home` to the
   post's `location`, in whole metres; only when the post gives a location, and a student
   without `home` counts as farther than any student with one;
3. then the lottery: a number per student drawn from `rules.seed` and the student's id
   (`lottery_number`), lower first. One lottery for all posts, as in New York's high-school
   match, and independent of the order of records in the file;
4. then, should two lottery numbers collide (odds ~2**-64), input order.
"""

from __future__ import annotations

import numpy as np

from .hashing import chain_hash, pack_strings
from .model import F64, I64, U64

EARTH_RADIUS_M = 6_371_008.8  # IUGG mean radius
_MASK64 = (1 << 64) - 1


def _splitmix64(x: int) -> int:
    z = (x + 0x9E3779B97F4A7C15) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


def lottery_number(seed: int, student_id: str) -> int:
    """The documented lottery, in plain Python (the reference for `lottery`).

    h = splitmix64(seed mod 2**64); for each 8-byte little-endian word of the id's UTF-8
    bytes (the last one zero-padded): h = splitmix64(h xor word); finally
    splitmix64(h xor byte length).
    """
    data = student_id.encode("utf-8")
    h = _splitmix64(seed & _MASK64)
    for i in range(0, len(data), 8):
        h = _splitmix64(h ^ int.from_bytes(data[i : i + 8].ljust(8, b"\0"), "little"))
    return _splitmix64(h ^ len(data))


def lottery(student_ids: list[str], seed: int) -> U64:
    """`lottery_number` for every id, vectorised."""
    if not student_ids:
        return np.zeros(0, dtype=np.uint64)
    words, lengths = pack_strings(student_ids)
    return chain_hash(words, lengths, seed)


def distance_m(home: F64, location: F64) -> F64:
    """Haversine distance in whole metres between (lon, lat) rows; inf where either is NaN."""
    lon1, lat1 = np.radians(home[:, 0]), np.radians(home[:, 1])
    lon2, lat2 = np.radians(location[:, 0]), np.radians(location[:, 1])
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    d = np.round(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))))
    return np.where(np.isnan(d), np.inf, d)


def scored_order(
    post: I64, student: I64, score: F64, *, home: F64, location: F64, lottery_of: U64
) -> I64:
    """Permutation of the (post, student, score) entries: by post, then the tie-break above."""
    dist = distance_m(home[student], location[post])
    # A post without a location skips the distance step: same key for all its applicants.
    dist = np.where(np.isnan(location[post, 0]), 0.0, dist)
    return np.lexsort((student, lottery_of[student], dist, -score, post)).astype(np.int64)
