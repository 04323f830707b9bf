"""`fanxiang stack`: start, stop and inspect the local stack (see `fanxiang_local.stack`)."""

from __future__ import annotations

import typer

from fanxiang_local.stack import Stack

app = typer.Typer(no_args_is_help=True)


@app.command()
def up() -> None:
    """Start PostgreSQL, Kafka and the five services (reusing what already runs)."""
    Stack().up()


@app.command()
def down() -> None:
    """Stop the services, Kafka and PostgreSQL (data under .dev/ is kept)."""
    Stack().down()


@app.command()
def status() -> None:
    """Show what is up."""
    for part, ok in Stack().status().items():
        typer.echo(f"{part:<10} {'up' if ok else 'down'}")
