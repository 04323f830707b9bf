"""The whole system on one machine, without Docker: `make run` / `make stop`.

PostgreSQL and Kafka run as local processes with their data under `.dev/` (kept between runs),
then migrations and topics are created and the five services start in the background, each
logging to `.dev/logs/<service>.log`. A second `up` reuses whatever is already running.
``KAFKA_BOOTSTRAP_SERVERS`` / ``DATABASE_URL`` in the environment replace the local processes.
"""

from __future__ import annotations

import asyncio
import functools
import os
import subprocess
import sys
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fanxiang_common.kafka.admin import ensure_topics
from fanxiang_common.settings import PACKAGES, SERVICES
from fanxiang_local.kafka import KafkaNode
from fanxiang_local.paths import DEV
from fanxiang_local.postgres import PostgresCluster
from fanxiang_local.proc import port_open, read_pid, terminate, wait_until

LOGS = DEV / "logs"
RUN = DEV / "run"


@dataclass
class Stack:
    pg_port: int = int(os.environ.get("FANXIANG_PG_PORT", "55432"))
    kafka_port: int = int(os.environ.get("FANXIANG_KAFKA_PORT", "29092"))

    @property
    def postgres(self) -> PostgresCluster:
        return PostgresCluster(DEV / "postgres", port=self.pg_port)

    @property
    def kafka(self) -> KafkaNode:
        return KafkaNode(
            DEV / "kafka", port=self.kafka_port, controller_port=self.kafka_port + 1, heap="768m"
        )

    @staticmethod
    def port(service: str) -> int:
        return int(os.environ.get(f"{service.upper()}_PORT", SERVICES[service]))

    def environment(self) -> dict[str, str]:
        env = {
            "FANXIANG_ENV": os.environ.get("FANXIANG_ENV", "development"),
            "DATABASE_URL": os.environ.get("DATABASE_URL", self.postgres.url),
            "KAFKA_BOOTSTRAP_SERVERS": os.environ.get(
                "KAFKA_BOOTSTRAP_SERVERS", self.kafka.bootstrap
            ),
            "LOG_FORMAT": os.environ.get("LOG_FORMAT", "json"),
            # Where the web front end finds the others, following any port moved by the environment.
            **{
                f"{s.upper()}_URL": f"http://127.0.0.1:{self.port(s)}"
                for s in SERVICES
                if s != "web"
            },
        }
        return {**os.environ, **env}

    def up(self) -> None:
        env = self.environment()
        if "DATABASE_URL" not in os.environ:
            _step("PostgreSQL", lambda: self.postgres.start())
        if "KAFKA_BOOTSTRAP_SERVERS" not in os.environ:
            _step("Kafka (fetching its jars with Maven the first time)", lambda: self.kafka.start())
        _step("topics", lambda: asyncio.run(ensure_topics(env["KAFKA_BOOTSTRAP_SERVERS"])))
        _step(
            "migrations",
            lambda: subprocess.run(
                [sys.executable, "-m", "fanxiang_common.db.migrate_cli", "all"],
                env=env,
                check=True,
                stderr=subprocess.DEVNULL,
            ),
        )
        LOGS.mkdir(parents=True, exist_ok=True)
        RUN.mkdir(parents=True, exist_ok=True)
        for service in SERVICES:
            self._start_service(service, env)
        for service in SERVICES:
            wait_until(
                functools.partial(_http_ok, self.port(service), "/readyz"),
                timeout=90,
                what=service,
                log=LOGS / f"{service}.log",
            )
        _print_welcome(env, {s: self.port(s) for s in SERVICES})

    def _start_service(self, service: str, env: dict[str, str]) -> None:
        pidfile = RUN / f"{service}.pid"
        port = self.port(service)
        if read_pid(pidfile) is not None and port_open(port):
            return
        if port_open(port):
            raise RuntimeError(f"port {port} is taken by another program; {service} cannot start")
        with (LOGS / f"{service}.log").open("ab") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", PACKAGES[service]],
                env={**env, "MIGRATE_ON_START": "false"},
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        pidfile.write_text(str(proc.pid))

    def down(self) -> None:
        for service in SERVICES:
            pidfile = RUN / f"{service}.pid"
            if (pid := read_pid(pidfile)) is not None:
                terminate(pid)
                print(f"stopped {service}", file=sys.stderr)
            pidfile.unlink(missing_ok=True)
        if "KAFKA_BOOTSTRAP_SERVERS" not in os.environ:
            self.kafka.stop()
            print("stopped Kafka", file=sys.stderr)
        if "DATABASE_URL" not in os.environ:
            self.postgres.stop()
            print("stopped PostgreSQL", file=sys.stderr)

    def status(self) -> dict[str, bool]:
        result = {"postgres": port_open(self.pg_port), "kafka": port_open(self.kafka_port)}
        for service in SERVICES:
            result[service] = _http_ok(self.port(service), "/readyz")
        return result


def _http_ok(port: int, path: str) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def _step(what: str, action: Callable[[], object]) -> None:
    print(f"· {what} …", file=sys.stderr, flush=True)
    action()


def _print_welcome(env: dict[str, str], ports: dict[str, int]) -> None:
    lines = [
        "",
        "Fanxiang is running:",
        f"  web front end   http://127.0.0.1:{ports['web']}/",
        *(f"  {s:<15} http://127.0.0.1:{p}/docs" for s, p in ports.items() if s != "web"),
        f"  Kafka           {env['KAFKA_BOOTSTRAP_SERVERS']}",
        f"  PostgreSQL      {env['DATABASE_URL']}",
        f"  logs            {LOGS}/<service>.log",
        "Stop everything with `make stop`.",
    ]
    print("\n".join(lines), file=sys.stderr)


def log_path(service: str) -> Path:
    return LOGS / f"{service}.log"
