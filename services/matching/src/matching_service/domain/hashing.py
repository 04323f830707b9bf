"""Vectorised hashing: ids to 64-bit words, a uint64 hash table, the splitmix64 mixer.

Looking up millions of fresh Python strings in a dict costs 300-550 ns each on the benchmark
machine (cache misses on scattered objects); gathering from numpy tables costs ~20 ns. So the
fast path turns ids into little-endian 8-byte words and probes an open-addressing table with
whole-array operations. Everything here is exact: a caller that gets a "missing" or a
"duplicate" falls back to the dict-based reference path, never to a guess.
"""

from __future__ import annotations

import numpy as np

from .model import I64, U64

GAMMA = np.uint64(0x9E3779B97F4A7C15)
_C1 = np.uint64(0xBF58476D1CE4E5B9)
_C2 = np.uint64(0x94D049BB133111EB)
# _BYTE_MASK[n]: the low n bytes of a word.
_BYTE_MASK = np.array([(1 << (8 * n)) - 1 for n in range(9)], dtype=np.uint64)
EMPTY = -1
_CHUNK = 1 << 20


def splitmix64(x: U64) -> U64:
    """Vigna's splitmix64 step (add the golden gamma, then the finaliser), wrapping mod 2**64."""
    with np.errstate(over="ignore"):
        z = x + GAMMA
        z = (z ^ (z >> np.uint64(30))) * _C1
        z = (z ^ (z >> np.uint64(27))) * _C2
        return z ^ (z >> np.uint64(31))


def padded(buf: np.ndarray, extra: int) -> np.ndarray:
    """`buf` followed by at least `extra` zero bytes (a copy only if it must grow)."""
    out = np.zeros(buf.size + extra, dtype=np.uint8)
    out[: buf.size] = buf
    return out


def pack_tokens(buf: np.ndarray, start: I64, length: I64, width: int) -> U64:
    """Bytes buf[start:start+length] of each token as `width` little-endian uint64 words,
    zero-padded. Tokens longer than 8*width bytes are cut (callers check lengths). `buf` must
    be readable 8*width bytes past every start (see `padded`)."""
    n = start.size
    span = 8 * width
    windows = np.lib.stride_tricks.sliding_window_view(buf, span)
    raw: U64 = np.ascontiguousarray(windows[start]).view("<u8").reshape(n, width)
    if width == 1:
        raw[:, 0] &= _BYTE_MASK[np.minimum(length, 8)]
        return raw
    for j in range(width):
        raw[:, j] &= _BYTE_MASK[np.clip(length - 8 * j, 0, 8)]
    return raw


def pack_strings(strings: list[str]) -> tuple[U64, I64]:
    """UTF-8 bytes of each string as words (see pack_tokens), and the byte lengths."""
    joined = "".join(strings)
    if joined.isascii():
        data = joined.encode("ascii")
        lengths = np.fromiter(map(len, strings), dtype=np.int64, count=len(strings))
    else:
        encoded = [s.encode("utf-8") for s in strings]
        data = b"".join(encoded)
        lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    starts = np.zeros(len(strings), dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    width = max(1, (int(lengths.max(initial=0)) + 7) // 8)
    buf = padded(np.frombuffer(data, dtype=np.uint8), 8 * width)
    return pack_tokens(buf, starts, lengths, width), lengths


def chain_hash(words: U64, lengths: I64, seed: int = 0) -> U64:
    """Per row: h = splitmix64(seed); h = splitmix64(h ^ w) for each of the row's own
    ceil(length / 8) words; then splitmix64(h ^ length). Independent of the matrix width,
    so a value depends only on its own bytes (see tiebreak.lottery_number)."""
    h = splitmix64(np.full(words.shape[0], seed % (1 << 64), dtype=np.uint64))
    n_words = (lengths + 7) // 8
    for j in range(words.shape[1]):
        h = np.where(j < n_words, splitmix64(h ^ words[:, j]), h)
    return splitmix64(h ^ lengths.astype(np.uint64))


_SLOT = np.dtype([("key", "<u8"), ("val", "<i8")])
_FIBONACCI = np.uint64(0x9E3779B97F4A7C15)


class KeyTable:
    """Open addressing with linear probing over uint64 keys; values are insertion positions.

    A slot is one 16-byte (key, value) record, so a probe is one gather and one cache miss.
    The table is at most 1/4 full and slots come from Fibonacci hashing (multiply, keep the
    top bits): ~90 % of lookups end at the first slot, and a lookup is a few array passes.
    """

    def __init__(self, keys: U64) -> None:
        n = keys.size
        bits = max(4, int(4 * max(n, 1) - 1).bit_length())
        self._mask = np.int64((1 << bits) - 1)
        self._shift = np.uint64(64 - bits)
        self._slots = np.zeros(1 << bits, dtype=_SLOT)
        self._slots["val"] = EMPTY
        self.duplicates = self._insert(keys)

    def _home(self, keys: U64) -> I64:
        with np.errstate(over="ignore"):
            return ((keys * _FIBONACCI) >> self._shift).astype(np.int64)

    def _insert(self, keys: U64) -> I64:
        """Insert all keys; returns positions of keys equal to an earlier-inserted one."""
        vals, stored = self._slots["val"], self._slots["key"]
        pos = self._home(keys)
        pending = np.arange(keys.size, dtype=np.int64)
        dups: list[I64] = []
        while pending.size:
            slot = pos[pending]
            occupant = vals[slot]
            taken = occupant != EMPTY
            same = taken & (stored[slot] == keys[pending])
            if same.any():
                # Whichever came later in input order is the duplicate.
                dups.append(np.maximum(pending[same], occupant[same]))
            free = ~taken
            cand, cslot = pending[free], slot[free]
            vals[cslot] = cand  # several candidates per slot: one write wins
            won = vals[cslot] == cand
            stored[cslot[won]] = keys[cand[won]]
            probe = pending[taken & ~same]
            pos[probe] = (pos[probe] + 1) & self._mask
            pending = np.concatenate([probe, cand[~won]])
        return np.unique(np.concatenate(dups)) if dups else np.zeros(0, dtype=np.int64)

    def lookup(self, keys: U64) -> I64:
        """Insertion position of each key, or -1."""
        pos = self._home(keys)
        row = self._slots[pos]
        out = np.ascontiguousarray(row["val"])
        # A slot holding another key: probe on (rare at load <= 1/4).
        pending = np.flatnonzero((row["key"] != keys) & (out != EMPTY))
        out[pending] = EMPTY
        while pending.size:
            pos[pending] = (pos[pending] + 1) & self._mask
            row = self._slots[pos[pending]]
            hit = row["key"] == keys[pending]
            out[pending[hit]] = row["val"][hit]
            pending = pending[~hit & (row["val"] != EMPTY)]
        return out


class IdIndex:
    """Exact id -> position lookups for byte tokens (no escapes, no NUL: callers check)."""

    def __init__(self, ids: list[str]) -> None:
        self.words, self.lengths = pack_strings(ids)
        self.width = self.words.shape[1]
        table = KeyTable(self._keys(self.words, self.lengths))
        self._table = table
        self.duplicates = table.duplicates  # may include 64-bit hash collisions: callers fall back

    def _keys(self, words: U64, lengths: I64) -> U64:
        # One word holds the id exactly (ids contain no NUL, so zero padding is unambiguous).
        return words[:, 0].copy() if self.width == 1 else chain_hash(words, lengths)

    def lookup(self, buf: np.ndarray, start: I64, length: I64) -> I64:
        """Position of each token's id, or -1 (no such id, or a hash collision).

        In chunks of 2**20 tokens: the temporaries stay small (tens of MB, not hundreds),
        which matters at 10^7 tokens. `buf` needs 8*width readable bytes past each start.
        """
        if start.size and int(start[-1]) + 8 * self.width > buf.size:
            buf = padded(buf, 8 * self.width)
        found = np.empty(start.size, dtype=np.int64)
        for lo in range(0, start.size, _CHUNK):
            found[lo : lo + _CHUNK] = self._lookup(
                buf, start[lo : lo + _CHUNK], length[lo : lo + _CHUNK]
            )
        return found

    def _lookup(self, buf: np.ndarray, start: I64, length: I64) -> I64:
        fits = length <= 8 * self.width
        words = pack_tokens(buf, start, np.minimum(length, 8 * self.width), self.width)
        found = self._table.lookup(self._keys(words, length))
        found[~fits] = EMPTY
        if self.width > 1:
            hit = found >= 0
            idx = found[hit]
            same = (words[hit] == self.words[idx]).all(axis=1) & (length[hit] == self.lengths[idx])
            miss = np.flatnonzero(hit)[~same]
            found[miss] = EMPTY
        return found
