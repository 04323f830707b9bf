"""`fanxiang survey` sub-commands: work on export files, no server needed."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False)

BIG_FILE = 5 * 1024 * 1024  # show progress for exports above this size


class Format(StrEnum):
    json = "json"
    xlsx = "xlsx"
    html = "html"
    pdf = "pdf"  # an addition to contract 5's json|xlsx|html: the HTML report, printed


def _fail(message: str) -> typer.Exit:
    typer.echo(f"错误 / error: {message}", err=True)
    return typer.Exit(2)


def _questionnaire(spec: str | None) -> Any:
    from survey_service.domain import season_questionnaire
    from survey_service.files import load_questionnaire

    if spec is None:
        return None
    if spec == "season":
        return season_questionnaire()
    try:
        return load_questionnaire(spec)
    except ValueError as exc:
        raise _fail(str(exc)) from exc


def _crosstabs(spec: list[str] | None) -> list[tuple[int, int]] | None:
    if not spec:
        return None
    pairs: list[tuple[int, int]] = []
    for item in spec:
        try:
            row, cols = item.split(":", 1)
            pairs += [(int(row), int(c)) for c in cols.split(",") if c.strip()]
        except ValueError as exc:
            raise _fail(f"--crosstab expects ROW:COL[,COL…] like 11:2,3 — got {item!r}") from exc
    return pairs


def _analyze(
    export: Path, questionnaire: Any, crosstabs: list[tuple[int, int]] | None, quiet: bool
) -> dict[str, Any]:
    from survey_service.domain import UnreadableExport, analyze_export

    if not export.is_file():
        raise _fail(f"{export}: no such file" if not export.exists() else f"{export}: not a file")
    size = export.stat().st_size
    progress = None
    if not quiet and size > BIG_FILE:

        def progress(rows: int) -> None:
            typer.echo(f"{export.name}: {rows:,} rows read", err=True)

    try:
        with export.open("rb") as fh:
            return analyze_export(fh, questionnaire, crosstabs=crosstabs, progress=progress)
    except UnreadableExport as exc:
        raise _fail(f"{export}: {exc}") from exc
    except PermissionError as exc:
        raise _fail(f"{export}: permission denied") from exc


def _emit(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        out.write_text(text, encoding="utf-8")


@app.command()
def analyze(
    export: Annotated[Path, typer.Argument(help="问卷星 or 腾讯问卷 export: .xlsx or .csv")],
    format: Annotated[Format, typer.Option("--format", "-f", help="json, xlsx, html or pdf")] = (
        Format.json
    ),
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="output file (stdout if omitted)")
    ] = None,
    questionnaire: Annotated[
        str | None,
        typer.Option(
            "--questionnaire",
            "-q",
            help="questionnaire file (.json/.yaml) to validate against; 'season' for the built-in "
            "17-question questionnaire; omitted: infer questions from the export",
        ),
    ] = None,
    crosstab: Annotated[
        list[str] | None,
        typer.Option(
            "--crosstab",
            help="ROW:COL[,COL…] question numbers, e.g. 11:2,3 (repeatable); "
            "default: those the questionnaire names",
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="no progress on stderr")] = False,
) -> None:
    """Analyse a questionnaire export: counts, percentages, scales, cross-tabs, keywords."""
    if format in (Format.xlsx, Format.pdf) and output is None:
        raise _fail(f"--format {format} needs an output file: -o report.{format}")
    q = _questionnaire(questionnaire)
    result = _analyze(export, q, _crosstabs(crosstab), quiet)
    if format is Format.json:
        from survey_service.reports import render_json

        _emit(render_json(result), output)
    elif format is Format.html:
        from survey_service.reports import render_html

        _emit(render_html(result), output)
    elif format is Format.pdf:
        from survey_service.reports import PdfUnavailable, render_pdf

        assert output is not None
        try:
            output.write_bytes(render_pdf(result))
        except PdfUnavailable as exc:
            raise _fail(str(exc)) from exc
    else:
        from survey_service.reports import write_xlsx

        assert output is not None
        write_xlsx(result, output)
    imp = result.get("import", {})
    if not quiet and (imp.get("rejected") or imp.get("warnings")):
        typer.echo(
            f"{export.name}: {imp['responses']} responses; {imp['rejected']} rows "
            f"rejected, {imp['blank']} blank, {imp['warnings']} warnings "
            "(see import.problems)",
            err=True,
        )


@app.command()
def compare(
    before: Annotated[Path, typer.Argument(help="earlier season: export or analysis .json")],
    after: Annotated[Path, typer.Argument(help="later season: export or analysis .json")],
    output: Annotated[Path | None, typer.Option("-o", "--output")] = None,
    questionnaire: Annotated[str | None, typer.Option("--questionnaire", "-q")] = None,
) -> None:
    """Compare two seasons (JSON): percentage-point changes, mean shifts, χ² per question."""
    from survey_service.domain import compare_results

    q = _questionnaire(questionnaire)

    def load(p: Path) -> dict[str, Any]:
        if p.suffix.lower() == ".json" and p.is_file():
            try:
                data = json.loads(p.read_text(encoding="utf-8"))
            except (ValueError, OSError) as exc:
                raise _fail(f"{p}: not a readable analysis JSON: {exc}") from exc
            if not isinstance(data, dict) or "questions" not in data:
                raise _fail(f"{p}: not an analysis result (no 'questions')")
            return data
        return _analyze(p, q, None, quiet=True)

    result = compare_results(load(before), load(after), (before.stem, after.stem))
    _emit(json.dumps(result, ensure_ascii=False, indent=2) + "\n", output)


@app.command()
def generate(
    output: Annotated[Path, typer.Argument(help="file to write (.xlsx or .csv)")],
    responses: Annotated[int, typer.Option("--responses", "-n")] = 198,
    seed: Annotated[int, typer.Option()] = 0,
    vendor: Annotated[str, typer.Option(help="wjx (问卷星) or tencent (腾讯问卷)")] = "wjx",
    mode: Annotated[str, typer.Option(help="wjx download: text (按文本) or code (按序号)")] = (
        "text"
    ),
    encoding: Annotated[str, typer.Option(help="CSV: utf-8-sig, utf-8, gbk, gb18030")] = (
        "utf-8-sig"
    ),
    clean: Annotated[bool, typer.Option(help="no blank, duplicate or broken rows")] = False,
) -> None:
    """Write a realistic synthetic export of the season questionnaire (demo and testing)."""
    from survey_service.exportgen import generate_export

    fmt = "csv" if output.suffix.lower() == ".csv" else "xlsx"
    try:
        truth = generate_export(
            output,
            responses=responses,
            seed=seed,
            vendor=vendor,
            mode=mode,
            fmt=fmt,
            encoding=encoding,
            messy=not clean,
        )
    except (ValueError, LookupError) as exc:
        raise _fail(str(exc)) from exc
    typer.echo(
        f"{output}: {truth.responses} responses, {truth.rejected} rejected rows, "
        f"{truth.blank} blank rows",
        err=True,
    )


@app.command("questionnaire")
def show_questionnaire() -> None:
    """Print the season's built-in questionnaire as JSON (a template for other seasons)."""
    from survey_service.domain import season_questionnaire

    q = season_questionnaire()
    sys.stdout.write(q.model_dump_json(indent=2, exclude_defaults=True) + "\n")
