"""``python -m fanxiang_common.db.migrate_cli SERVICE``: create the service's database if needed
and apply its pending migrations (the one-shot job in compose and Kubernetes)."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
from pathlib import Path

from fanxiang_common.db.migrate import migrate_service
from fanxiang_common.settings import PACKAGES, SERVICES, ServiceSettings


def settings_for(service: str) -> ServiceSettings:
    module = importlib.import_module(f"{PACKAGES[service]}.settings")
    cls = next(
        v
        for v in vars(module).values()
        if isinstance(v, type)
        and issubclass(v, ServiceSettings)
        and getattr(v, "service", "") == service
    )
    settings: ServiceSettings = cls()
    return settings


def migrations_dir(service: str) -> Path:
    package = importlib.import_module(PACKAGES[service])
    return Path(package.__file__ or "").parent / "migrations"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("service", choices=[*sorted(SERVICES), "all"])
    args = parser.parse_args(argv)
    services = sorted(SERVICES) if args.service == "all" else [args.service]
    for service in services:
        applied = asyncio.run(migrate_service(settings_for(service), migrations_dir(service)))
        print(
            f"{service}: {len(applied)} migration(s) applied", *applied, sep="\n  ", file=sys.stderr
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
