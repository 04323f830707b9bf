"""Scan concatenated raw JSON values (already syntax-checked by msgspec) with numpy.

A value that is not of the expected simple shape, or that uses a backslash escape or a NUL,
makes the scan return None: the caller then takes the reference path, which either accepts
the instance (escapes are legal JSON) or names the bad record. So these scans only need to
recognise the common case exactly, never to explain.
"""

from __future__ import annotations

from dataclasses import dataclass

import msgspec
import numpy as np

from .model import F64, I64

_QUOTE = 0x22
_PAD = 64
_OPEN_ARRAY, _CLOSE_ARRAY, _OPEN_OBJECT, _COLON, _COMMA = 0x5B, 0x5D, 0x7B, 0x3A, 0x2C
_WS = b" \t\n\r"


def _lut(chars: bytes) -> np.ndarray:
    t = np.zeros(256, dtype=bool)
    t[list(chars)] = True
    return t


# Bytes allowed outside strings: in an array of strings / in an object of numbers.
_ARRAY_OK = _lut(b'[],"' + _WS)
_OBJECT_OK = _lut(b'{},:"+-.eE0123456789' + _WS)
_NUMBER = _lut(b"+-.eE0123456789")


@dataclass(frozen=True)
class Tokens:
    """String tokens of concatenated values: bytes buf[start:start+length], `ptr` per value;
    `buf` has 64 zero bytes after the data."""

    buf: np.ndarray
    start: I64
    length: I64
    ptr: I64


def _segments(parts: list[bytes]) -> tuple[np.ndarray, I64, np.ndarray] | None:
    """The values back to back: (bytes, value bounds, the same bytes plus 64 zero bytes).

    The zero tail lets id lookups read whole words past the last token without copying.
    """
    data = b"".join([*parts, bytes(_PAD)])
    if b"\\" in data or b"\0" in data[: len(data) - _PAD]:  # memchr: cheaper than numpy
        return None
    full = np.frombuffer(data, dtype=np.uint8)
    bounds = np.zeros(len(parts) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, parts), dtype=np.int64, count=len(parts)), out=bounds[1:])
    return full[: full.size - _PAD], bounds, full


def _strings(buf: np.ndarray, bounds: I64) -> tuple[I64, I64, I64] | None:
    """Opening and closing quote of every string, and the CSR pointer of strings per value."""
    quotes = np.flatnonzero(buf == _QUOTE)
    # Each value is complete JSON without escapes, so an even count per value pairs its quotes.
    per_segment = np.diff(np.searchsorted(quotes, bounds))
    if (per_segment % 2).any():
        return None
    ptr = np.zeros(bounds.size, dtype=np.int64)
    np.cumsum(per_segment // 2, out=ptr[1:])
    return quotes[0::2], quotes[1::2], ptr


def _outside(buf: np.ndarray, opens: I64, closes: I64) -> np.ndarray:
    """Mask of bytes outside strings (closing quotes count as outside)."""
    step = np.zeros(buf.size + 1, dtype=np.int8)
    step[opens] = 1
    step[closes] = -1
    return ~np.cumsum(step[:-1], dtype=np.int8).view(bool)


def _compact_arrays(buf: np.ndarray, bounds: I64, opens: I64, closes: I64, ptr: I64) -> bool:
    """Is every value laid out exactly as ["a","b",...] (as orjson and compact dumps write)?
    Checks a few bytes per string instead of every byte of the buffer."""
    head, tail = bounds[:-1], bounds[1:]
    if head.size and ((buf[head] != _OPEN_ARRAY).any() or (buf[tail - 1] != _CLOSE_ARRAY).any()):
        return False
    count = np.diff(ptr)
    empty = count == 0
    if ((tail - head)[empty] != 2).any():
        return False
    first, last = ptr[:-1][~empty], ptr[1:][~empty] - 1
    if (opens[first] != head[~empty] + 1).any() or (closes[last] != tail[~empty] - 2).any():
        return False
    inner = np.ones(opens.size, dtype=bool)
    inner[last] = False
    t = np.flatnonzero(inner)
    return not ((opens[t + 1] != closes[t] + 2).any() or (buf[closes[t] + 1] != _COMMA).any())


def scan_string_arrays(parts: list[bytes]) -> Tokens | None:
    """Each part must be a JSON array of strings; returns its strings as byte tokens."""
    seg = _segments(parts)
    if seg is None:
        return None
    buf, bounds, full = seg
    found = _strings(buf, bounds)
    if found is None:
        return None
    opens, closes, ptr = found
    if not _compact_arrays(buf, bounds, opens, closes, ptr):
        # Any other layout: valid JSON whose outside bytes are only [ ] , and whitespace,
        # with exactly one "[" per value, starting with it, is an array of strings (JSON
        # syntax forces the commas and the "]").
        outside = _outside(buf, opens, closes)
        if not _ARRAY_OK[buf[outside]].all():
            return None
        heads = bounds[:-1]
        if heads.size and (buf[heads] != _OPEN_ARRAY).any():
            return None
        if np.count_nonzero((buf == _OPEN_ARRAY) & outside) != heads.size:
            return None
    return Tokens(buf=full, start=opens + 1, length=closes - opens - 1, ptr=ptr)


def scan_number_objects(parts: list[bytes]) -> tuple[Tokens, F64] | None:
    """Each part must be a JSON object of numbers; returns its keys and values in order."""
    seg = _segments(parts)
    if seg is None:
        return None
    buf, bounds, full = seg
    found = _strings(buf, bounds)
    if found is None:
        return None
    opens, closes, ptr = found
    start, length = opens + 1, closes - opens - 1
    outside = _outside(buf, opens, closes)
    if not _OBJECT_OK[buf[outside]].all():
        return None
    heads = bounds[:-1]
    if heads.size and (buf[heads] != _OPEN_OBJECT).any():
        return None
    if np.count_nonzero((buf == _OPEN_OBJECT) & outside) != heads.size:
        return None
    # No true/false/null/arrays/nested objects can hide in these bytes; a string value would
    # leave more strings than colons. So every string is a key and every value a number.
    colons = np.flatnonzero((buf == _COLON) & outside)
    if colons.size != start.size:
        return None
    # Each maximal run of number bytes is one value (keys are inside strings). Keep the runs,
    # each followed by one comma, and let msgspec parse "[v1,v2,...]": the same float parser
    # as the reference path, so both paths give identical doubles.
    number = _NUMBER[buf] & outside
    after = np.flatnonzero(
        np.diff(number.view(np.int8), prepend=np.int8(0), append=np.int8(0)) == -1
    )
    if after.size != colons.size or (after.size and after[-1] >= buf.size):
        return None
    keep = number.copy()
    keep[after] = True
    values_text = np.where(number, buf, np.uint8(ord(",")))[keep].tobytes()
    try:
        values = msgspec.json.decode(b"[" + values_text[:-1] + b"]", type=list[float])
    except msgspec.MsgspecError:
        return None
    if len(values) != colons.size:
        return None
    return Tokens(buf=full, start=start, length=length, ptr=ptr), np.asarray(
        values, dtype=np.float64
    )
