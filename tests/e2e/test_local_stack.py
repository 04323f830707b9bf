"""`make run`'s engine end to end: `fanxiang stack up` starts PostgreSQL, Kafka and the five
services as real processes, all report ready, and `fanxiang stack down` stops them all."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

import pytest

from fanxiang_common.settings import SERVICES
from fanxiang_local.proc import free_port, port_open

pytestmark = pytest.mark.e2e

FANXIANG = [sys.executable, "-m", "fanxiang_cli.main"]


def get(port: int, path: str) -> tuple[int, dict[str, object]]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
        return response.status, json.loads(response.read())


def test_stack_up_serves_all_five_services_and_down_stops_them() -> None:
    # Not pytest's tmp_path: its parent is private to root, and PostgreSQL runs as postgres.
    dev = Path(tempfile.mkdtemp(prefix="fanxiang-stack-"))
    dev.chmod(0o755)
    ports = {service: free_port() for service in SERVICES}
    pg_port, kafka_port = free_port(), free_port()
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS")
        },
        "FANXIANG_DEV_DIR": str(dev),
        "FANXIANG_PG_PORT": str(pg_port),
        "FANXIANG_KAFKA_PORT": str(kafka_port),
        **{f"{s.upper()}_PORT": str(p) for s, p in ports.items()},
    }
    try:
        up = subprocess.run(
            [*FANXIANG, "stack", "up"], env=env, capture_output=True, text=True, timeout=300
        )
        assert up.returncode == 0, up.stderr
        assert "Fanxiang is running" in up.stderr
        for service, port in ports.items():
            assert get(port, "/healthz") == (200, {"status": "ok", "service": service})
            status, ready = get(port, "/readyz")
            assert status == 200 and ready["status"] == "ready", (service, ready)
            assert get(port, "/openapi.json")[0] == 200
        again = subprocess.run(
            [*FANXIANG, "stack", "up"], env=env, capture_output=True, text=True, timeout=120
        )
        assert again.returncode == 0, "a second `up` reuses what is running"
    finally:
        down = subprocess.run(
            [*FANXIANG, "stack", "down"], env=env, capture_output=True, text=True, timeout=180
        )
    assert down.returncode == 0, down.stderr
    shutil.rmtree(dev, ignore_errors=True)
    assert not any(port_open(p) for p in [*ports.values(), pg_port, kafka_port])
