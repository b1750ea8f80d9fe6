"""`idsync-tui validate`: exit codes 0 / 1 / 2, compiler-style text lines, the spec's JSON shape, --strict."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from idsync_tui import __version__
from idsync_tui.cli import main

CLEAN = """\
version = 1

[space]
key = "tiny"
name = "Tiny"

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

[[audiences.connections.identifiers]]
segment = "email"
destination = "email"
"""

ALL_ROW = '\n[[audiences.connections.identifiers]]\nsegment = "{}"\ndestination = "{}"\nstrategy = "all"\n'
FOUR_ALL = CLEAN + "".join(
    ALL_ROW.format(key, key.replace(".", "_")) for key in ("user_id", "ios.id", "android.id", "ga_client_id")
)

LIVE = CLEAN.replace('setup = "customized"', 'setup = "customized"\nlive = true')


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def space(tmp_path: Path):
    def write(text: str, name: str = "space.toml") -> str:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    return write


def test_a_clean_file_exits_0_with_a_summary(space) -> None:
    code, out, _ = run("validate", space(CLEAN))
    assert code == 0
    assert out.strip() == "1 file checked: 0 errors, 0 warnings"


def test_an_error_exits_1_and_prints_path_line_code_name_message(space) -> None:
    path = space(FOUR_ALL)
    code, out, _ = run("validate", path)
    assert code == 1
    first = out.splitlines()[0]
    fourth_all_line = [i for i, line in enumerate(FOUR_ALL.splitlines(), 1) if "strategy" in line][3]
    assert re.fullmatch(rf"{re.escape(path)}:(\d+): IDS103 all-limit: .+", first), first
    assert int(first.split(":")[1]) in range(fourth_all_line - 3, fourth_all_line + 1)
    assert out.splitlines()[-1] == "1 file checked: 1 error, 0 warnings"


def test_warnings_pass_unless_strict(space) -> None:
    path = space(LIVE)
    code, out, _ = run("validate", path)
    assert code == 0
    assert "IDS207 live-change" in out
    assert run("validate", "--strict", path)[0] == 1


def test_json_has_the_spec_shape(space) -> None:
    path = space(FOUR_ALL)
    code, out, _ = run("validate", "--format", "json", path)
    assert code == 1
    report = json.loads(out)
    assert set(report) == {"files", "errors", "warnings"}
    assert report["errors"] == 1 and report["warnings"] == 0
    (file,) = report["files"]
    assert file["path"] == path
    (problem,) = file["problems"]
    assert set(problem) == {"code", "name", "severity", "line", "where", "message"}
    assert problem["code"] == "IDS103" and problem["name"] == "all-limit" and problem["severity"] == "error"
    assert problem["where"].startswith("audiences[everyone].connections[braze]")
    assert problem["message"] == "4 identifiers use strategy all; at most 3 may"


def test_several_files_are_all_reported(space) -> None:
    good, bad = space(CLEAN, "good.toml"), space(FOUR_ALL, "bad.toml")
    code, out, _ = run("validate", good, bad)
    assert code == 1
    assert f"{bad}:" in out and f"{good}:" not in out
    assert out.splitlines()[-1] == "2 files checked: 1 error, 0 warnings"


def test_an_unreadable_file_exits_2_and_says_why(space, tmp_path: Path) -> None:
    good = space(CLEAN)
    code, out, err = run("validate", good, str(tmp_path / "missing.toml"))
    assert code == 2
    assert "missing.toml: no such file" in err
    code, _, err = run("validate", str(tmp_path))
    assert code == 2 and "is a folder" in err


def test_an_unreadable_file_in_json_is_listed_with_its_error(tmp_path: Path) -> None:
    code, out, _ = run("validate", "--format", "json", str(tmp_path / "nope.toml"))
    assert code == 2
    (file,) = json.loads(out)["files"]
    assert "no such file" in file["error"]


def test_a_syntax_error_is_an_error_with_line_and_column(space) -> None:
    code, out, _ = run("validate", space('version = 1\n[space]\nkey = "x\n'))
    assert code == 1
    assert re.search(r":3: IDS001 toml-syntax: .*line 3, column \d+", out)


def test_usage_errors_exit_2() -> None:
    code, _, err = run("validate")
    assert code == 2 and "SPACE" in err
    code, _, err = run("validate", "--format", "yaml", "x.toml")
    assert code == 2 and "invalid choice" in err


def test_version_is_printed() -> None:
    code, out, _ = run("--version")
    assert code == 0 and out.strip() == f"idsync-tui {__version__}"


def test_the_installed_command_and_python_m_agree(space) -> None:
    path = space(FOUR_ALL)
    scripts = Path(sys.executable).parent
    by_script = subprocess.run([scripts / "idsync-tui", "validate", path], capture_output=True, text=True)
    by_module = subprocess.run([sys.executable, "-m", "idsync_tui", "validate", path], capture_output=True, text=True)
    assert by_script.returncode == by_module.returncode == 1
    assert by_script.stdout == by_module.stdout and "IDS103" in by_script.stdout
