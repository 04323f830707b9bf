"""Where the repo and its local state (`.dev/`) are."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(os.environ.get("FANXIANG_REPO", Path(__file__).resolve().parents[4]))
DEPLOY_LOCAL = REPO / "deploy" / "local"
DEV = REPO / ".dev"
KAFKA_LIB = DEV / "kafka" / "lib"
