"""Which text encoding a CSV export is in, decided by its bytes (never by its name).

问卷星 and 腾讯问卷 CSVs come as UTF-8 with a BOM (so that Excel opens them), plain UTF-8, or
GBK/GB18030 once someone re-saved them in Excel on a Chinese Windows. UTF-8 is self-checking:
Chinese GBK text is almost never valid UTF-8, so "valid UTF-8" decides, and GB18030 (a superset
of GBK and GB2312) takes everything else that decodes.
"""

from __future__ import annotations

import codecs

SAMPLE_BYTES = 1 << 20


def detect_encoding(sample: bytes) -> str | None:
    """The codec name for a file starting with `sample`, or None when no supported encoding
    decodes it."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if _decodes(sample, "utf-8"):
        return "utf-8"
    if _decodes(sample, "gb18030"):
        return "gb18030"
    # A few corrupt bytes must not lose a whole export: take the encoding that decodes all
    # but a sliver (the reader replaces the rest with U+FFFD and reports those rows).
    best = min(("utf-8", "gb18030"), key=lambda enc: _bad_chars(sample, enc))
    text_len = max(1, len(sample.decode(best, errors="replace")))
    if _bad_chars(sample, best) <= max(2, text_len // 1000):
        return best
    return None


def _bad_chars(sample: bytes, encoding: str) -> int:
    return sample.decode(encoding, errors="replace").count("\ufffd")


def _decodes(sample: bytes, encoding: str) -> bool:
    # The sample may end inside a multi-byte character: decode incrementally, not final.
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        decoder.decode(sample, final=len(sample) < SAMPLE_BYTES)
    except UnicodeDecodeError:
        return False
    return True
