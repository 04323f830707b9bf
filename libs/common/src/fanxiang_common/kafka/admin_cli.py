"""``python -m fanxiang_common.kafka.admin_cli``: create every topic and its dead-letter topic
(the one-shot job in compose and Kubernetes; `fanxiang stack up` does the same)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from fanxiang_common.kafka.admin import ensure_topics


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:29092")
    )
    parser.add_argument("--namespace", default=os.environ.get("KAFKA_NAMESPACE", ""))
    parser.add_argument(
        "--replication-factor",
        type=int,
        default=int(os.environ.get("KAFKA_REPLICATION_FACTOR", "1")),
    )
    args = parser.parse_args(argv)
    created = asyncio.run(
        ensure_topics(
            args.bootstrap, namespace=args.namespace, replication_factor=args.replication_factor
        )
    )
    print(f"created {len(created)} topic(s)", *created, sep="\n  ", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
