"""`fanxiang dlt`: see the dead letters on every topic and send chosen ones back."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Annotated

import typer

from fanxiang_common.kafka.deadletters import (
    DeadLetter,
    dead_letter_topics,
    read_dead_letters,
    replay,
)

app = typer.Typer(no_args_is_help=True, add_completion=False)

Bootstrap = Annotated[
    str,
    typer.Option(
        envvar="KAFKA_BOOTSTRAP_SERVERS", help="Kafka bootstrap servers (default: the local stack)"
    ),
]
Namespace = Annotated[
    str, typer.Option(envvar="KAFKA_NAMESPACE", help="topic name prefix, as the services use")
]
DEFAULT_BOOTSTRAP = "127.0.0.1:29092"  # the local stack (`make run`)


def _read(bootstrap: str, namespace: str, topic: str | None) -> list[DeadLetter]:
    topics = dead_letter_topics(namespace)
    if topic is not None:
        wanted = topic if topic.endswith(".dlt") else f"{topic}.dlt"
        wanted = wanted if wanted.startswith(namespace) else f"{namespace}{wanted}"
        if wanted not in topics:
            typer.echo(f"错误 / error: {topic!r} is not a Fanxiang topic", err=True)
            raise typer.Exit(2)
        topics = [wanted]
    return asyncio.run(read_dead_letters(bootstrap, topics))


@app.command("list")
def list_letters(
    bootstrap: Bootstrap = DEFAULT_BOOTSTRAP,
    namespace: Namespace = "",
    topic: Annotated[str | None, typer.Option(help="only this topic's dead letters")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per line")] = False,
) -> None:
    """Every dead letter: where it is, which consumer group gave up, why and when."""
    letters = _read(bootstrap, namespace, topic)
    for d in letters:
        if as_json:
            row = {
                "address": d.address,
                "original_topic": d.original_topic,
                "consumer_group": d.consumer_group,
                "error": d.error,
                "attempts": d.attempts,
                "failed_at": d.failed_at,
                "key": (d.key or b"").decode("utf-8", "replace"),
            }
            typer.echo(json.dumps(row, ensure_ascii=False))
        else:
            typer.echo(f"{d.address}\t{d.consumer_group}\t{d.failed_at}\t{d.error[:200]}")
    typer.echo(f"{len(letters)} dead letter(s)", err=True)


@app.command("replay")
def replay_letters(
    addresses: Annotated[
        list[str] | None,
        typer.Argument(help="dead letters as <dlt topic>:<partition>:<offset> (from `list`)"),
    ] = None,
    all_of: Annotated[
        str | None, typer.Option("--all-of", help="every dead letter of this topic")
    ] = None,
    bootstrap: Bootstrap = DEFAULT_BOOTSTRAP,
    namespace: Namespace = "",
) -> None:
    """Send dead letters back to their original topic (safe: consumers apply an event once)."""
    if not addresses and all_of is None:
        typer.echo("错误 / error: name dead letters to replay, or --all-of TOPIC", err=True)
        raise typer.Exit(2)
    letters = _read(bootstrap, namespace, all_of)
    if addresses:
        by_address = {d.address: d for d in letters}
        unknown = [a for a in addresses if a not in by_address]
        if unknown:
            typer.echo(f"错误 / error: no dead letter at {', '.join(unknown)}", err=True)
            raise typer.Exit(2)
        letters = [by_address[a] for a in addresses]
    sent = asyncio.run(replay(bootstrap, letters))
    typer.echo(f"replayed {sent} dead letter(s)", err=True)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
