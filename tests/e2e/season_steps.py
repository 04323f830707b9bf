"""What the season test (test_season.py) stands on: the running system started by `fanxiang
stack up`, small request helpers, valid ID numbers, and the notifications every inbox should
hold — checked through notify's own inbox API, as each recipient reads it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from fanxiang_common.settings import SERVICES
from fanxiang_local.proc import free_port

FANXIANG = [sys.executable, "-m", "fanxiang_cli.main"]
Headers = dict[str, str]
T = TypeVar("T")


@dataclass
class System:
    """The five services as real processes, on their own PostgreSQL and Kafka."""

    dev: Path
    urls: dict[str, str]


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@contextlib.contextmanager
def running_system() -> Iterator[System]:
    """`fanxiang stack up` in a temporary folder on free ports (as tests/e2e/test_local_stack.py
    does), and `fanxiang stack down` afterwards whatever happened."""
    # Not pytest's tmp_path: its parent is private to root, and PostgreSQL runs as postgres.
    dev = Path(tempfile.mkdtemp(prefix="fanxiang-season-"))
    dev.chmod(0o755)
    ports = {service: free_port() for service in SERVICES}
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "KAFKA_NAMESPACE")
        },
        "FANXIANG_DEV_DIR": str(dev),
        "FANXIANG_PG_PORT": str(free_port()),
        "FANXIANG_KAFKA_PORT": str(free_port()),
        # Notify's development mail sink: its own port and folder, not a `make run`'s.
        "NOTIFY_DEV_MAIL_PORT": str(free_port()),
        "NOTIFY_DEV_MAIL_DIR": str(dev / "mail"),
        "SURVEY_UPLOAD_DIR": str(dev / "uploads"),
        **{f"{s.upper()}_PORT": str(p) for s, p in ports.items()},
    }
    failed = True
    try:
        up = subprocess.run(
            [*FANXIANG, "stack", "up"], env=env, capture_output=True, text=True, timeout=300
        )
        if up.returncode != 0:
            pytest.fail(f"`fanxiang stack up` failed:\n{up.stderr[-4000:]}")
        yield System(dev, {s: f"http://127.0.0.1:{p}" for s, p in ports.items()})
        failed = False
    finally:
        if failed:  # pytest shows this with the failure: what each service was saying
            for service in SERVICES:
                print(f"--- {service}.log ---\n{_tail(dev / 'logs' / f'{service}.log')}")
        subprocess.run(
            [*FANXIANG, "stack", "down"], env=env, capture_output=True, text=True, timeout=180
        )
        shutil.rmtree(dev, ignore_errors=True)


def ok(response: httpx.Response, expected: int = 200) -> Any:
    """The body of a response that must have ``expected`` as its status."""
    assert response.status_code == expected, (
        f"{response.request.method} {response.request.url.path} answered"
        f" {response.status_code}: {response.text[:800]}"
    )
    return response.json() if response.content else None


async def poll(probe: Callable[[], Awaitable[T | None]], *, what: str, within: float = 60.0) -> T:
    """``probe()``'s first truthy answer, asked every half second for at most ``within`` s."""
    deadline = time.monotonic() + within
    while True:
        found = await probe()
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"not within {within:.0f} s: {what}")
        await asyncio.sleep(0.5)


def id_number(region: str, birthday: str, sequence: int) -> str:
    """A valid 居民身份证号 (GB 11643: 17 digits and the ISO 7064 MOD 11-2 check character)."""
    body = f"{region}{birthday}{sequence:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


@dataclass
class Inboxes:
    """Who should have been told what: per reader, how many notifications of each purpose.

    ``settle`` reads every inbox through notify's API (as its owner) until each holds exactly
    what is expected — no purpose missing, none twice — and fails at once on anything extra."""

    notify: httpx.AsyncClient
    readers: dict[str, Headers] = field(default_factory=dict)
    expected: dict[str, Counter[str]] = field(default_factory=dict)

    def reader(self, who: str, headers: Headers) -> None:
        self.readers[who] = headers
        self.expected.setdefault(who, Counter())

    def expect(self, who: str, *purposes: str) -> None:
        self.expected[who].update(purposes)

    async def items(self, who: str) -> list[dict[str, Any]]:
        page = ok(
            await self.notify.get(
                "/v1/inbox", params={"limit": 200, "lang": "zh"}, headers=self.readers[who]
            )
        )
        return list(page["items"])

    async def held(self, who: str) -> Counter[str]:
        return Counter(item["purpose"] for item in await self.items(who))

    async def settle(self, stage: str, within: float = 60.0) -> None:
        deadline = time.monotonic() + within
        while True:
            wrong: dict[str, tuple[Counter[str], Counter[str]]] = {}
            for who, expected in self.expected.items():
                held = await self.held(who)
                extra = held - expected
                if extra:
                    pytest.fail(
                        f"{stage}: {who}'s inbox holds more than expected: {dict(extra)}"
                        f" (expected {dict(expected)}, holds {dict(held)})"
                    )
                if held != expected:
                    wrong[who] = (expected, held)
            if not wrong:
                return
            if time.monotonic() > deadline:
                detail = "; ".join(
                    f"{who}: expected {dict(e)}, holds {dict(h)}" for who, (e, h) in wrong.items()
                )
                pytest.fail(f"{stage}: notifications missing after {within:.0f} s: {detail}")
            await asyncio.sleep(0.5)

    async def one(self, who: str, purpose: str) -> dict[str, Any]:
        """The single notification of ``purpose`` in ``who``'s inbox (to read its text)."""
        [item] = [i for i in await self.items(who) if i["purpose"] == purpose]
        return item
