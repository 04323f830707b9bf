"""PostgreSQL as a local process, from Debian's binaries, run as user postgres.

initdb and pg_ctl refuse to run as root, so as root they run through ``runuser -u postgres``
and the data folder is given to that user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from fanxiang_local.proc import free_port, port_open, wait_until


def pg_bindir() -> Path:
    if env := os.environ.get("PG_BINDIR"):
        return Path(env)
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))
    if not found:
        raise RuntimeError("PostgreSQL server binaries not found: apt-get install postgresql")
    return found[-1].parent


def _as_postgres(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", "postgres", "--", *cmd]


def _give_to_postgres(path: Path) -> None:
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(path, user.pw_uid, user.pw_gid)


@dataclass
class PostgresCluster:
    base_dir: Path
    port: int = field(default_factory=free_port)
    fast: bool = False
    """Throwaway clusters (tests) skip fsync: quicker, and nothing to keep."""

    @property
    def data_dir(self) -> Path:
        return self.base_dir / "data"

    @property
    def log_file(self) -> Path:
        return self.base_dir / "postgres.log"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _pg_ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            _as_postgres([str(pg_bindir() / "pg_ctl"), "-D", str(self.data_dir), *args]),
            check=check,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def running(self) -> bool:
        return self.data_dir.exists() and self._pg_ctl("status", check=False).returncode == 0

    def start(self) -> PostgresCluster:
        self.base_dir.mkdir(parents=True, exist_ok=True)
        _give_to_postgres(self.base_dir)
        if self.running():
            return self
        if not (self.data_dir / "PG_VERSION").exists():
            subprocess.run(
                _as_postgres(
                    [
                        str(pg_bindir() / "initdb"),
                        "-D",
                        str(self.data_dir),
                        "-U",
                        "postgres",
                        "--auth=trust",
                        "-E",
                        "UTF8",
                        "--locale=C.UTF-8",
                        "--no-sync",
                    ]
                ),
                check=True,
                stdout=subprocess.DEVNULL,
            )
        options = f"-p {self.port} -k {self.base_dir} -c listen_addresses=127.0.0.1 -c max_connections=300"
        if self.fast:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        if self.log_file.exists():
            _give_to_postgres(self.log_file)
        self._pg_ctl("-l", str(self.log_file), "-w", "-t", "60", "-o", options, "start")
        wait_until(lambda: port_open(self.port), timeout=30, what="PostgreSQL", log=self.log_file)
        return self

    def stop(self, *, mode: str = "fast") -> None:
        if self.running():
            self._pg_ctl("-m", mode, "-w", "stop", check=False)

    def destroy(self) -> None:
        self.stop(mode="immediate")
        shutil.rmtree(self.base_dir, ignore_errors=True)
