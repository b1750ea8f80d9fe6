"""Command-line polish: GitHub annotations, file-level problems at line 1, `simulate --format json`, help that
says what a command is for, every option, two examples and the exit codes, and exit codes that survive a closed
pipe (`validate broken.toml | head -1`)."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from idsync_tui.cli import main

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "sample_spaces"
ACME = SAMPLES / "acme.toml"
BROKEN = SAMPLES / "broken.toml"

FOUR_ALL = """\
version = 1
[space]
key = "s"
name = "S"
[[destinations]]
key = "braze"
type = "actions"
name = "Braze"
[[audiences]]
key = "everyone"
name = "Everyone"
[[audiences.connections]]
destination = "braze"
setup = "customized"
"""
for _key in ("user_id", "email", "ios.id", "android.id"):
    FOUR_ALL += f'[[audiences.connections.identifiers]]\nsegment = "{_key}"\ndestination = "x_{_key[:3]}"\n'
    FOUR_ALL += 'strategy = "all"\n'


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def write(tmp_path: Path, text: str, name: str = "space.toml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


# -- validate --format github ----------------------------------------------------------------------------------


def test_github_format_prints_one_annotation_per_problem(tmp_path: Path) -> None:
    path = write(tmp_path, FOUR_ALL)
    code, out, _ = run("validate", "--format", "github", path)
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == (
        f"::error file={path},line=27,title=IDS103 all-limit::4 identifiers use strategy all; at most 3 may"
    )
    assert lines[-1].startswith("1 file checked: 1 error")


def test_github_format_warnings_are_warnings_and_strict_fails(tmp_path: Path) -> None:
    path = write(tmp_path, FOUR_ALL.replace('strategy = "all"\n', "", 1) + "[[identifiers]]\nkey = 'crm_id'\n")
    code, out, _ = run("validate", "--format", "github", path)
    assert code == 0
    assert re.search(r"^::warning file=.*,line=\d+,title=IDS206 unused-identifier::", out, re.M)
    assert run("validate", "--format", "github", "--strict", path)[0] == 1


def test_a_file_level_problem_is_at_line_1_never_0(tmp_path: Path) -> None:
    path = write(tmp_path, "version = 1\n# no [space] table\n")  # a problem with no line of its own
    code, out, _ = run("validate", "--format", "github", path)
    assert code == 1
    assert out.startswith(f"::error file={path},line=1,title=IDS002 schema::")
    code, out, _ = run("validate", path)
    assert out.startswith(f"{path}:1: IDS002 schema:")
    code, out, _ = run("validate", "--format", "json", path)
    assert json.loads(out)["files"][0]["problems"][0]["line"] == 1


def test_an_unknown_dotted_table_is_never_at_line_0(tmp_path: Path) -> None:
    path = write(tmp_path, 'version = 1\n[space]\nkey = "s"\nname = "S"\n[tool.x]\ny = 1\n')
    for output in ("github", "text", "json"):
        code, out, _ = run("validate", "--format", output, path)
        assert code == 1
        assert ",line=0" not in out and ":0:" not in out and '"line": 0' not in out
    assert ",line=5,title=IDS002 schema::" in run("validate", "--format", "github", path)[1]


def test_github_format_escapes_what_would_break_the_command(tmp_path: Path) -> None:
    from idsync_tui.github import annotation
    from idsync_tui.space.problems import Problem

    line = annotation(Problem("IDS002", "100% wrong\nsecond line", "", 3, 2, "a,b:c.toml"))
    assert line == "::error file=a%2Cb%3Ac.toml,line=3,col=2,title=IDS002 schema::100%25 wrong%0Asecond line"


def test_github_format_reports_an_unreadable_file_on_line_1(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.toml")
    code, out, err = run("validate", "--format", "github", missing)
    assert code == 2
    assert out.startswith(f"::error file={missing},line=1,title=unreadable::")
    assert "no such file" in err


# -- simulate --format json --------------------------------------------------------------------------------------


def test_simulate_format_json_is_jsonl() -> None:
    code_json, out_json, _ = run("simulate", str(ACME), "--audience", "high_value", "--format", "json")
    code_jsonl, out_jsonl, _ = run("simulate", str(ACME), "--audience", "high_value", "--format", "jsonl")
    assert code_json == code_jsonl == 0
    assert out_json == out_jsonl
    assert all(json.loads(line)["source"]["key"] == "high_value" for line in out_json.splitlines())


# -- help ---------------------------------------------------------------------------------------------------------

COMMANDS = (
    ("validate",),
    ("simulate",),
    ("schema",),
    ("serve",),
    ("diff",),
    ("import", "segment"),
    ("export", "segment"),
    (),
)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "app")
def test_help_has_purpose_options_examples_and_exit_codes(command: tuple[str, ...]) -> None:
    code, out, _ = run(*command, "--help")
    assert code == 0
    usage, _, rest = out.partition("\n\n")
    assert usage.startswith("usage: idsync-tui")
    purpose = rest.split("\n\n")[0]
    assert purpose.strip() and purpose.rstrip().endswith((".", ")")), purpose
    # every argument and option is described: its help follows on the same line or the next, indented
    sections = re.findall(r"^(?:options|positional arguments):\n((?:  .*\n?)+)", out, re.M)
    assert sections, out
    named = 0
    for section in sections:
        lines = section.splitlines()
        for index, line in enumerate(lines):
            if re.match(r"^  \S", line):
                named += 1
                head = line.strip()
                same_line = re.search(r"\S  +\S", head) is not None
                next_line = index + 1 < len(lines) and re.match(r"^ {6,}\S", lines[index + 1]) is not None
                assert same_line or next_line, f"{head} has no description"
    assert named >= 2
    examples = out.split("examples:\n", 1)[1].split("\n\n")[0].splitlines()
    assert len(examples) >= 2 and all(line.strip().startswith("idsync-tui") for line in examples)
    exits = out.split("exit codes:\n", 1)[1].splitlines()
    assert sum(1 for line in exits if re.match(r"^  \d ", line)) >= 2


# -- a closed pipe keeps the exit status ------------------------------------------------------------------------


def _pipe_to_head(*argv: str) -> int:
    """`idsync-tui ARGV | head -1` with the real command, as a shell runs it: the exit status of idsync-tui."""
    env = dict(os.environ, PYTHONUNBUFFERED="0")
    script = f"{sys.executable} -m idsync_tui {' '.join(argv)} | head -c 1 > /dev/null; echo ${{PIPESTATUS[0]}}"
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env, timeout=120, cwd=REPO)
    assert "Traceback" not in result.stderr, result.stderr
    assert "BrokenPipeError" not in result.stderr, result.stderr
    return int(result.stdout.strip().splitlines()[-1])


def test_validate_into_a_closed_pipe_still_exits_1_for_a_broken_space(tmp_path: Path) -> None:
    # many files, so that the output is larger than the pipe's buffer and `head` is gone before the end
    paths = [write(tmp_path, FOUR_ALL, f"s{n}.toml") for n in range(400)]
    listing = tmp_path / "args"
    listing.write_text("\n".join(paths), encoding="utf-8")
    assert _pipe_to_head("validate", *paths[:1], str(BROKEN)) == 1
    assert _pipe_to_head("validate", *paths) == 1
    assert _pipe_to_head("validate", str(ACME)) == 0


def test_simulate_into_a_closed_pipe_is_not_an_error() -> None:
    assert _pipe_to_head("simulate", str(ACME)) == 0


def test_spaces_only_skips_toml_files_that_are_not_spaces(tmp_path: Path) -> None:
    project = write(tmp_path, '[project]\nname = "x"\n', "pyproject.toml")
    broken_syntax = write(tmp_path, "version = 1\n[space\n", "half.toml")  # meant as a space: still checked
    space = write(tmp_path, FOUR_ALL)
    code, out, _ = run("validate", "--spaces-only", project, space)
    assert code == 1 and "IDS103" in out
    assert out.splitlines()[-1] == "1 file checked: 1 error, 0 warnings, 1 not a space file (skipped)"
    assert run("validate", "--spaces-only", project)[0] == 0
    assert run("validate", "--spaces-only", broken_syntax)[0] == 1
    assert run("validate", project)[0] == 1  # without the option every file is a space


def test_spaces_only_reads_a_deeply_nested_toml_file_without_a_traceback(tmp_path: Path) -> None:
    deep = write(tmp_path, "x = " + "[" * 3000 + "]" * 3000 + "\n", "deep.toml")  # valid TOML, no space
    code, out, err = run("validate", "--spaces-only", deep)
    assert (code, err) == (0, "")
    assert out.splitlines()[-1] == "0 files checked: 0 errors, 0 warnings, 1 not a space file (skipped)"
