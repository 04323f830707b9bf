"""Where the repo and its local state (`.dev/`) are."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(os.environ.get("FANXIANG_REPO", Path(__file__).resolve().parents[4]))
DEPLOY_LOCAL = REPO / "deploy" / "local"
DEV = Path(os.environ.get("FANXIANG_DEV_DIR", REPO / ".dev"))
"""Local state: databases, Kafka data, logs, pids (FANXIANG_DEV_DIR moves it, e.g. for a test)."""
KAFKA_LIB = REPO / ".dev" / "kafka" / "lib"
"""The Kafka jars are fetched once per checkout, wherever the state lives."""
