"""`fanxiang match` sub-commands: the file solver (contract 4; docs/matching.md).

File I/O lives here; everything else is `matching_service.domain`, imported inside the
command so that other `fanxiang` commands do not pay for numpy.
"""

from __future__ import annotations

import ctypes
import gc
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False)


@app.callback()
def _group() -> None:
    """Two-way matching (双向选择) on instance files."""


INVALID = 2  # contract 4: an invalid instance exits with status 2
BIG_INSTANCE = 100_000  # students; progress is shown from here on (or on a terminal)
BIG_FILE = 30_000_000  # bytes; announce the parse before knowing the student count


def _keep_freed_memory() -> None:
    """Let glibc serve big numpy temporaries from the heap and keep freed memory for reuse,
    instead of a fresh mmap per array that the kernel must zero and fault in again (measured
    at 10^6 students: 0.8 s less kernel time, 6 % more peak memory). A one-shot process can
    afford it; elsewhere (not glibc) this does nothing."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 1 << 30)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, 1 << 30)  # M_TRIM_THRESHOLD
    except (OSError, AttributeError):
        pass


def _fail(message: str) -> typer.Exit:
    typer.echo(f"错误 / error: {message}", err=True)
    return typer.Exit(INVALID)


class _Progress:
    """Phase timings on stderr: parse -> build -> solve -> write. Also the solver's progress
    hook (`domain.progress.Progress`, the one the service's round jobs use): on a terminal it
    redraws "settled / students" during the solve, and it counts the DA rounds."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.start = self.mark = time.perf_counter()
        self.calls = 0
        self.live = sys.stderr.isatty()

    def __call__(self, phase: str, done: int, total: int) -> None:
        self.calls += 1
        if self.enabled and self.live:
            sys.stderr.write(f"\r  {phase:<6} {done:,} / {total:,} students settled")
            sys.stderr.flush()

    def done(self, phase: str, detail: str = "") -> None:
        now = time.perf_counter()
        if self.enabled:
            if self.live and self.calls:
                sys.stderr.write("\r\033[K")
            extra = f" ({detail})" if detail else ""
            typer.echo(f"  {phase:<6} {now - self.mark:6.2f} s{extra}", err=True)
        self.mark = now

    def total(self) -> float:
        return time.perf_counter() - self.start


def _read(source: str) -> bytes:
    if source == "-":
        return sys.stdin.buffer.read()
    path = Path(source)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise _fail(f"{source}: no such file") from None
    except IsADirectoryError:
        raise _fail(f"{source}: is a directory") from None
    except PermissionError:
        raise _fail(f"{source}: permission denied") from None


def _write(data: bytes, output: Path | None) -> None:
    """To stdout, or atomically to `output`: a temp file beside it, renamed on success."""
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    target = output.resolve()
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        # mkstemp makes the file private (0600); give it the mode a plain open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@app.command("solve")
def solve_command(
    instance: Annotated[
        str, typer.Argument(metavar="INSTANCE.json", help="Instance file, or - for stdin.")
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "-o", "--output", metavar="RESULT.json", help="Write the result here (default: stdout)."
        ),
    ] = None,
    explain: Annotated[
        bool,
        typer.Option("--explain", help="Add, per student, why each higher choice was not given."),
    ] = False,
) -> None:
    """Place students: the student-optimal stable matching (deferred acceptance).

    An invalid instance exits with status 2, names the bad record and writes nothing."""
    # The run builds millions of acyclic objects and then exits: the cyclic GC only costs.
    gc.disable()
    _keep_freed_memory()
    from matching_service import domain
    from matching_service.domain import solver

    if output is not None and not output.resolve().parent.is_dir():
        raise _fail(f"{output}: its directory does not exist")
    raw = _read(instance)
    progress = _Progress(sys.stderr.isatty() or len(raw) >= BIG_FILE)
    if progress.enabled:
        typer.echo(f"fanxiang match solve: {len(raw) / 1e6:,.1f} MB", err=True)
    try:
        inst = domain.parse_instance(raw)
    except domain.InvalidInstance as exc:
        raise _fail(str(exc)) from None
    del raw
    progress.enabled = progress.enabled or inst.n_students >= BIG_INSTANCE
    progress.done("parse", f"{inst.n_students:,} students, {inst.n_posts:,} posts")
    prepared = solver.prepare(inst)
    progress.done("build")
    matching = solver.run(inst, prepared, progress)
    del prepared
    rounds = max(progress.calls - 1, 0)  # one call per DA round, one when it ends
    progress.done("solve", f"{matching.proposals:,} proposals, {rounds} rounds")
    explanations = domain.explain(inst, matching) if explain else None
    document = domain.result_document(inst, matching, explanations=explanations)
    _write(_encode(document), output)
    progress.done("write")
    _summary(document["stats"], progress.total())


def _encode(document: dict[str, Any]) -> bytes:
    import orjson

    return orjson.dumps(document) + b"\n"


def _summary(stats: dict[str, Any], seconds: float) -> None:
    typer.echo(
        f"已录用 placed {stats['placed']:,} of {stats['students']:,} students, "
        f"未录用 unplaced {stats['unmatched']:,}, "
        f"fill rate {stats['fill_rate']:.1%} of {stats['seats']:,} seats, {seconds:.2f} s",
        err=True,
    )
