"""`idsync-tui new PATH`: a new space that validates clean; asks for what is missing; never overwrites text."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from idsync_tui import newspace
from idsync_tui.cli import main
from idsync_tui.rules import validate
from idsync_tui.space.loader import load_space


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, out, err)
    return code, out.getvalue(), err.getvalue()


def test_new_writes_a_space_that_validates_clean(tmp_path: Path) -> None:
    space = tmp_path / "acme.toml"
    code, out, err = run(["new", str(space), "--key", "acme-prod", "--name", 'Acme "prod" ünïcode \\ '])
    assert (code, err) == (0, "")
    assert f"idsync-tui {space}" in out
    result = load_space(space)
    assert result.space is not None
    assert (result.space.key, result.space.name, result.space.version) == ("acme-prod", 'Acme "prod" ünïcode \\', 1)
    assert validate(result) == []


@pytest.mark.parametrize("content", ["", "\n  \n"])
def test_new_fills_an_empty_file(tmp_path: Path, content: str) -> None:
    space = tmp_path / "empty.toml"
    space.write_text(content)
    code, _, _ = run(["new", str(space), "--key", "e", "--name", "E"])
    assert code == 0
    assert 'key = "e"' in space.read_text()


def test_new_refuses_to_overwrite_a_file_that_holds_text(tmp_path: Path) -> None:
    space = tmp_path / "mine.toml"
    space.write_text("# my notes\n")
    code, out, err = run(["new", str(space), "--key", "e", "--name", "E"])
    assert code == 1 and out == ""
    assert str(space) in err and "left as it is" in err
    assert space.read_text() == "# my notes\n"
    with pytest.raises(newspace.NotEmpty):
        newspace.create(space, "e", "E")
    assert space.read_text() == "# my notes\n"


def test_new_without_a_terminal_needs_key_and_name(tmp_path: Path) -> None:
    space = tmp_path / "x.toml"
    code, _, err = run(["new", str(space)])  # pytest's stdin is not a terminal
    assert code == 2
    assert "--key" in err and "--name" in err and not space.exists()


def test_a_bad_key_is_refused_with_the_rule(tmp_path: Path) -> None:
    space = tmp_path / "x.toml"
    code, _, err = run(["new", str(space), "--key", "Bad Key", "--name", "X"])
    assert code == 2
    assert '"Bad Key" is not a space key' in err and "lower-case" in err
    assert not space.exists()


def test_new_asks_for_what_is_missing_and_asks_again_after_a_bad_answer(tmp_path: Path) -> None:
    space = tmp_path / "shop_eu.toml"
    answers = iter(["Bad Key", "", "  "])  # a bad key, then the suggested key; a blank name: the suggestion
    asked: list[str] = []

    def ask(prompt: str) -> str:
        asked.append(prompt)
        return next(answers)

    out, err = io.StringIO(), io.StringIO()
    assert newspace.run_new(str(space), None, None, out, err, ask) == 0
    assert asked == ["Space key [shop_eu]: ", "Space key [shop_eu]: ", "Space name [Shop eu]: "]
    assert "is not a space key" in err.getvalue()
    result = load_space(space)
    assert result.space is not None and (result.space.key, result.space.name) == ("shop_eu", "Shop eu")


def test_a_folder_is_not_a_space_file(tmp_path: Path) -> None:
    code, _, err = run(["new", str(tmp_path), "--key", "a", "--name", "A"])
    assert code == 2 and "is a folder" in err
