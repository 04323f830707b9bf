"""JSON output: the result dict as UTF-8 JSON (Chinese kept readable, not \\u-escaped)."""

from __future__ import annotations

import json
from typing import Any


def render_json(result: dict[str, Any]) -> str:
    return json.dumps(result, ensure_ascii=False, indent=2) + "\n"
