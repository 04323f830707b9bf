"""Free-text answers: Chinese keywords (jieba TF-IDF with our user dictionary and stop words)
and a keyword → theme coding with representative quotes.

Themes are counted over every answer (substring tests, cheap); keywords are extracted from a
bounded, seeded reservoir sample, because segmentation is the slow part.
"""

from __future__ import annotations

import json
import logging
import random
import re
import threading
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from survey_service.domain.catalog import data_text

SAMPLE_CAP = 3000
QUOTES_PER_THEME = 3
_PHONE_RE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_ID_RE = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
_WORD_RE = re.compile(r"^[\u4e00-\u9fffA-Za-z]")  # a word, not punctuation or a number
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


def mask_personal(text: str) -> str:
    """Mask phone numbers, ID numbers and e-mail addresses a respondent typed into a text box."""
    text = _PHONE_RE.sub(r"\1****\2", text)
    text = _ID_RE.sub(r"\1********\2", text)
    return _EMAIL_RE.sub("***@***", text)


def _themes() -> dict[str, tuple[str, ...]]:
    raw: dict[str, list[str]] = json.loads(data_text("themes.json"))
    return {k: tuple(v) for k, v in raw.items()}


def stop_words() -> frozenset[str]:
    return frozenset(
        w.strip()
        for w in data_text("stopwords.txt").splitlines()
        if w.strip() and not w.startswith("#")
    )


_jieba_lock = threading.Lock()
_jieba_ready = False


def _jieba() -> Any:
    """Import and prime jieba once: user dictionary, quiet logging."""
    global _jieba_ready
    with _jieba_lock, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # jieba 0.42 has invalid escape sequences
        import jieba

        if not _jieba_ready:
            jieba.setLogLevel(logging.WARNING)
            for line in data_text("userdict.txt").splitlines():
                parts = line.split()
                if parts and not parts[0].startswith("#"):
                    freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
                    tag = parts[2] if len(parts) > 2 else None
                    jieba.add_word(parts[0], freq=freq, tag=tag)
            _jieba_ready = True
        return jieba


_idf_table: tuple[dict[str, float], float] | None = None


def _idf(jieba_file: str) -> tuple[dict[str, float], float]:
    """jieba's IDF table (jieba/analyse/idf.txt), read directly: importing jieba.analyse also
    imports the POS tagger, whose large model modules take seconds to load."""
    global _idf_table
    if _idf_table is None:
        path = Path(jieba_file).parent / "analyse" / "idf.txt"
        table: dict[str, float] = {}
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                word, _, value = line.rstrip("\n").partition(" ")
                if value:
                    table[word] = float(value)
        values = sorted(table.values())
        _idf_table = (table, values[len(values) // 2] if values else 10.0)
    return _idf_table


@dataclass
class TextAccumulator:
    """Feeds on one text question's answers; bounded memory whatever the number of answers."""

    seed: int = 0
    answered: int = 0
    sample: list[str] = field(default_factory=list)
    theme_counts: Counter[str] = field(default_factory=Counter)
    quotes: dict[str, list[str]] = field(default_factory=dict)
    _rng: random.Random = field(default_factory=random.Random)
    _themes: dict[str, tuple[str, ...]] = field(default_factory=_themes)

    def __post_init__(self) -> None:
        self._rng.seed(self.seed)

    def add(self, text: str) -> None:
        self.answered += 1
        if len(self.sample) < SAMPLE_CAP:
            self.sample.append(text)
        else:  # reservoir sampling (Algorithm R)
            j = self._rng.randrange(self.answered)
            if j < SAMPLE_CAP:
                self.sample[j] = text
        for theme, words in self._themes.items():
            if any(w in text for w in words):
                self.theme_counts[theme] += 1
                q = self.quotes.setdefault(theme, [])
                if len(q) < QUOTES_PER_THEME and 6 <= len(text) <= 80 and text not in q:
                    q.append(text)

    def keywords(self, top: int = 20) -> list[tuple[str, float, int]]:
        """(keyword, TF-IDF weight, number of sampled answers containing it), best first.

        jieba's own `extract_tags` with a POS filter runs the HMM tagger, several times slower;
        this is the same TF-IDF (jieba's IDF table) over dictionary segmentation, with our
        stop words instead of the POS filter."""
        if not self.sample:
            return []
        jieba = _jieba()
        stops = stop_words()
        idf, median = _idf(jieba.__file__)
        freq: Counter[str] = Counter()
        for text in self.sample:
            for word in jieba.cut(text, HMM=False):
                w = word.strip()
                if len(w) >= 2 and w not in stops and not w.isdigit() and _WORD_RE.match(w):
                    freq[w] += 1
        total = sum(freq.values()) or 1
        scored = sorted(
            ((n / total * idf.get(w, median), w) for w, n in freq.items()), reverse=True
        )[:top]
        return [(w, round(s, 4), sum(1 for t in self.sample if w in t)) for s, w in scored]

    def themes(self) -> list[dict[str, Any]]:
        return [
            {"theme": t, "count": n, "quotes": [mask_personal(q) for q in self.quotes.get(t, [])]}
            for t, n in self.theme_counts.most_common()
        ]
