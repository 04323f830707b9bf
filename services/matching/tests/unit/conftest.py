"""Matching unit tests: make the shared strategies module importable (importlib mode puts no
test directory on sys.path)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
