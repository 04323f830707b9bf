"""`parse_instance`: bytes or a dict in, a valid Instance (or InvalidInstance) out."""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import json
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import msgspec
import orjson

from .fastparse import parse_fast
from .model import Instance, InvalidInstance
from .reference import decode_error, dict_id_lookup, from_doc, raw_id_lookup, validation_error
from .schema import Doc

# Below this size the reference path is as fast as the vectorised one and simpler.
FAST_PATH_MIN_BYTES = 2_000_000


@contextmanager
def gc_paused() -> Iterator[None]:
    """Decoding millions of records trips the cyclic collector again and again, although
    none of them can form a cycle (measured: 3x slower). Pause it, and restore it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def canonical_sha256(obj: Any) -> str:
    """The hash recorded for an instance given as a dict: the JSON of its contract fields
    (unknown fields dropped, defaults filled in) with sorted keys."""
    try:
        text = orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # integers beyond 64 bits (a huge seed): the slower stdlib encoder
        text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return hashlib.sha256(text).hexdigest()


def parse_instance(
    data: bytes | bytearray | memoryview | Mapping[str, Any], *, fast: bool | None = None
) -> Instance:
    """Validate and index an instance (contract 4, docs/matching.md).

    `data` is the file's bytes (its sha256 is recorded) or an already-decoded dict (the
    sha256 of its canonical JSON is recorded). `fast` forces the path for bytes input
    (default: by size); both give the same Instance.
    """
    if isinstance(data, Mapping):
        with gc_paused():
            try:
                doc = msgspec.convert(data, type=Doc)
            except msgspec.ValidationError as exc:
                raise validation_error(exc, dict_id_lookup(data)) from None
            return from_doc(doc, canonical_sha256(msgspec.to_builtins(doc)))

    raw = bytes(data)
    use_fast = len(raw) >= FAST_PATH_MIN_BYTES if fast is None else fast
    with ThreadPoolExecutor(max_workers=1) as pool, gc_paused():
        # hashlib releases the GIL: the hash costs nothing next to the decode.
        digest = pool.submit(lambda: hashlib.sha256(raw).hexdigest())
        instance = parse_fast(raw, "") if use_fast else None
        sha = digest.result()
        if instance is not None:
            return dataclasses.replace(instance, sha256=sha)
        try:
            doc = msgspec.json.decode(raw, type=Doc)
        except msgspec.ValidationError as exc:
            raise validation_error(exc, raw_id_lookup(raw)) from None
        except msgspec.DecodeError as exc:
            raise decode_error(exc, raw) from None
        return from_doc(doc, sha)


__all__ = [
    "FAST_PATH_MIN_BYTES",
    "InvalidInstance",
    "canonical_sha256",
    "gc_paused",
    "parse_instance",
]
