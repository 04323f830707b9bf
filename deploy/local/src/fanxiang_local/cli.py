"""`fanxiang stack`: start, stop and inspect the local stack (see `fanxiang_local.stack`)."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True)


@app.command()
def up() -> None:
    """Start PostgreSQL, Kafka and the five services (reusing what already runs)."""
    from fanxiang_local.stack import Stack  # lazily: `fanxiang match` should not pay for it

    Stack().up()


@app.command()
def down() -> None:
    """Stop the services, Kafka and PostgreSQL (data under .dev/ is kept)."""
    from fanxiang_local.stack import Stack

    Stack().down()


@app.command()
def status() -> None:
    """Show what is up."""
    from fanxiang_local.stack import Stack

    for part, ok in Stack().status().items():
        typer.echo(f"{part:<10} {'up' if ok else 'down'}")


@app.command()
def demo(
    seed: int = typer.Option(2022, help="the generator's seed: the same seed, the same season"),
    scale: float = typer.Option(1.0, min=0.01, max=1.0, help="shrink every count (1 = 129 units…)"),
) -> None:
    """Load the demo season into the running stack through the services' APIs (idempotent)."""
    from fanxiang_local.demo.cli import run_demo

    raise typer.Exit(run_demo(seed=seed, scale=scale))
