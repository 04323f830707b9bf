"""`fanxiang match solve` end to end: files, stdin, stdout, --explain, exit 2 on bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from matching_cases import INVALID, valid_instance
from typer.testing import CliRunner

from matching_service.cli import app

runner = CliRunner()


def _run(*args: str, stdin: bytes | None = None) -> Any:
    return runner.invoke(app, ["solve", *args], input=stdin)


def _files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def test_solves_a_file_into_a_result_file(tmp_path: Path) -> None:
    src = tmp_path / "instance.json"
    src.write_bytes(orjson.dumps(valid_instance()))
    out = tmp_path / "result.json"
    result = _run(str(src), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    doc = json.loads(out.read_text())
    assert doc["assignments"] == {"S1": "P2", "S2": "P2", "S4": "P1"}
    assert doc["unmatched"] == ["S3"]
    stats = doc["stats"]
    assert (stats["students"], stats["posts"], stats["seats"], stats["placed"]) == (4, 2, 3, 3)
    assert stats["unmatched"] == 1 and stats["fill_rate"] == 1.0 and stats["seed"] == 2022
    assert stats["input_sha256"] == __import__("hashlib").sha256(src.read_bytes()).hexdigest()
    assert "explanations" not in doc
    assert "placed 3 of 4 students" in result.stderr
    assert _files(tmp_path) == ["instance.json", "result.json"]  # no temp file left
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask  # as open() would make it


def test_reads_stdin_and_writes_stdout() -> None:
    result = _run("-", stdin=orjson.dumps(valid_instance()))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["assignments"]["S4"] == "P1"


def test_explain(tmp_path: Path) -> None:
    result = _run("-", "--explain", stdin=orjson.dumps(valid_instance()))
    assert result.exit_code == 0, result.stderr
    why = json.loads(result.stdout)["explanations"]
    assert why["S1"] == {
        "post": "P2",
        "choice": 2,
        "not_placed_higher": [
            {"post": "P1", "reason": "full", "capacity": 1, "cutoff_rank": 1, "your_rank": 2}
        ],
    }
    assert why["S3"] == {"post": None, "choice": None, "not_placed_higher": []}


@pytest.mark.parametrize(
    ("mutate", "message"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID]
)
def test_invalid_instance_exits_2_and_writes_nothing(
    tmp_path: Path, mutate: Any, message: str
) -> None:
    doc = valid_instance()
    mutate(doc)
    src = tmp_path / "instance.json"
    src.write_bytes(orjson.dumps(doc))
    out = tmp_path / "result.json"
    result = _run(str(src), "-o", str(out))
    assert result.exit_code == 2
    assert message in result.stderr
    assert _files(tmp_path) == ["instance.json"]


def test_malformed_stdin_exits_2() -> None:
    result = _run("-", stdin=b'{"students": [')
    assert result.exit_code == 2
    assert "malformed JSON" in result.stderr
    assert result.stdout == ""


def test_existing_result_is_kept_when_the_instance_is_invalid(tmp_path: Path) -> None:
    src = tmp_path / "instance.json"
    src.write_bytes(b"{}")
    out = tmp_path / "result.json"
    out.write_text("previous")
    assert _run(str(src), "-o", str(out)).exit_code == 2
    assert out.read_text() == "previous"


def test_missing_input_file_exits_2(tmp_path: Path) -> None:
    result = _run(str(tmp_path / "nope.json"))
    assert result.exit_code == 2
    assert "no such file" in result.stderr


def test_the_installed_command(tmp_path: Path) -> None:
    """The real `fanxiang` entry point, as a user runs it."""
    src = tmp_path / "instance.json"
    src.write_bytes(orjson.dumps(valid_instance()))
    fanxiang = Path(sys.executable).with_name("fanxiang")
    done = subprocess.run(
        [str(fanxiang), "match", "solve", str(src)], capture_output=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr.decode()
    assert json.loads(done.stdout)["stats"]["placed"] == 3
    bad = subprocess.run(
        [str(fanxiang), "match", "solve", "-"],
        input=b'{"students": [], "posts": [{"id": "P1"}]}',
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert bad.returncode == 2
    assert 'posts[0] (id "P1"): Object missing required field `county`' in bad.stderr.decode()


def test_large_instances_show_phases_and_da_rounds(monkeypatch: pytest.MonkeyPatch) -> None:
    import matching_service.cli as cli

    monkeypatch.setattr(cli, "BIG_INSTANCE", 1)  # what 100k students would show
    result = _run("-", stdin=orjson.dumps(valid_instance()))
    assert result.exit_code == 0, result.stderr
    phases = [line.split()[0] for line in result.stderr.splitlines() if line.startswith("  ")]
    assert phases == ["parse", "build", "solve", "write"]
    [solve_line] = [line for line in result.stderr.splitlines() if line.startswith("  solve")]
    assert "proposals" in solve_line and " rounds)" in solve_line
    assert " 0 rounds" not in solve_line  # the solver's hook reached the CLI


def test_small_instances_stay_quiet() -> None:
    result = _run("-", stdin=orjson.dumps(valid_instance()))
    assert result.exit_code == 0
    assert not [line for line in result.stderr.splitlines() if line.startswith("  ")]
