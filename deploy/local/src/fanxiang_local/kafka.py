"""Apache Kafka as a local process: a single KRaft node from the jars Maven fetches.

`fetch_jars` runs Maven once on deploy/local/pom.xml (jars land in .dev/kafka/lib and Maven's
cache). `KafkaNode` formats its storage once, starts ``kafka.Kafka``, logs to a file, and is
ready when an admin client lists topics.
"""

from __future__ import annotations

import asyncio
import base64
import os
import shutil
import subprocess
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from fanxiang_local.paths import DEPLOY_LOCAL, KAFKA_LIB
from fanxiang_local.proc import free_port, port_open, read_pid, terminate, wait_until

CONFIG = DEPLOY_LOCAL / "config"


def fetch_jars(lib: Path = KAFKA_LIB) -> Path:
    """Fetch the broker's classpath with Maven (a no-op when it is already there)."""
    marker = lib / ".complete"
    if marker.exists():
        return lib
    mvn = shutil.which("mvn")
    if mvn is None:
        raise RuntimeError("Maven (mvn) is needed to fetch Kafka: apt-get install maven")
    lib.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            mvn,
            "-q",
            "-B",
            "-Dstyle.color=never",
            "-f",
            str(DEPLOY_LOCAL / "pom.xml"),
            "dependency:copy-dependencies",
            "-DincludeScope=runtime",
            f"-DoutputDirectory={lib}",
        ],
        check=True,
    )
    marker.write_text("ok\n")
    return lib


def _java() -> str:
    java = shutil.which("java")
    if java is None:
        raise RuntimeError(
            "Java 17 is needed to run Kafka: apt-get install openjdk-17-jre-headless"
        )
    return java


def _cluster_id() -> str:
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")


def admin_lists_topics(bootstrap: str, timeout: float = 5.0) -> bool:
    """Readiness: an admin client connects and lists topics (in its own thread and loop)."""
    from aiokafka.admin import AIOKafkaAdminClient

    async def probe() -> None:
        admin = AIOKafkaAdminClient(
            bootstrap_servers=bootstrap, request_timeout_ms=int(timeout * 1000)
        )
        await admin.start()
        try:
            await admin.list_topics()
        finally:
            await admin.close()

    errors: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(asyncio.wait_for(probe(), timeout))
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout + 2)
    return not errors and not thread.is_alive()


@dataclass
class KafkaNode:
    data_dir: Path
    port: int = field(default_factory=free_port)
    controller_port: int = field(default_factory=free_port)
    heap: str = "512m"
    proc: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "kafka.log"

    @property
    def pid_file(self) -> Path:
        return self.data_dir / "kafka.pid"

    def _configure(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        props = self.data_dir / "server.properties"
        template = (CONFIG / "server.properties.template").read_text()
        props.write_text(
            template.format(
                port=self.port,
                controller_port=self.controller_port,
                log_dirs=self.data_dir / "data",
            )
        )
        return props

    def start(self, *, timeout: float = 90.0) -> KafkaNode:
        if read_pid(self.pid_file) is not None and admin_lists_topics(self.bootstrap):
            return self  # already running (a second `make run`)
        lib = fetch_jars()
        props = self._configure()
        classpath = f"{lib}/*"
        log_opt = f"-Dlog4j.configuration=file:{CONFIG / 'log4j.properties'}"
        if not (self.data_dir / "data" / "meta.properties").exists():
            subprocess.run(
                [
                    _java(),
                    log_opt,
                    "-cp",
                    classpath,
                    "kafka.tools.StorageTool",
                    "format",
                    "-t",
                    _cluster_id(),
                    "-c",
                    str(props),
                    "--ignore-formatted",
                ],
                check=True,
                stdout=subprocess.DEVNULL,
            )
        log = self.log_file.open("ab")
        self.proc = subprocess.Popen(
            [
                _java(),
                f"-Xms{self.heap}",
                f"-Xmx{self.heap}",
                "-XX:+UseG1GC",
                "-XX:TieredStopAtLevel=1",
                "-Djava.awt.headless=true",
                log_opt,
                "-cp",
                classpath,
                "kafka.Kafka",
                str(props),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env={**os.environ, "KAFKA_HEAP_OPTS": ""},
        )
        self.pid_file.write_text(str(self.proc.pid))
        wait_until(
            lambda: port_open(self.port) and admin_lists_topics(self.bootstrap),
            timeout=timeout,
            what="Kafka",
            proc=self.proc,
            log=self.log_file,
        )
        return self

    def stop(self) -> None:
        pid = self.proc.pid if self.proc else read_pid(self.pid_file)
        if pid is not None:
            terminate(pid, timeout=30)
        if self.proc is not None:
            self.proc.wait(timeout=5)
            self.proc = None
        self.pid_file.unlink(missing_ok=True)
