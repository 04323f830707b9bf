"""`fanxiang`: one command line for the tools that work without a running server.

Each service owns its own sub-command (`matching_service.cli`, `survey_service.cli`);
this module only puts them under one name.
"""

from __future__ import annotations

import typer

from fanxiang_cli.deadletters import app as dlt_app
from fanxiang_local.cli import app as stack_app
from matching_service.cli import app as match_app
from survey_service.cli import app as survey_app

app = typer.Typer(
    name="fanxiang",
    help="Fanxiang (返乡): tools for the summer-practice placement programme.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(match_app, name="match", help="Two-way matching: solve an instance file.")
app.add_typer(
    survey_app, name="survey", help="Questionnaires: analyse a 问卷星 or 腾讯问卷 export."
)
app.add_typer(dlt_app, name="dlt", help="Dead letters on Kafka: list them, send chosen ones back.")
app.add_typer(stack_app, name="stack", help="The local stack: Kafka, PostgreSQL and the services.")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
