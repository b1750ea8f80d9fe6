"""End to end: the installed `idsync-tui` command in a real terminal (tmux, 80x24), driven by keys as a person would."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from tests.spaces import generate_space
from tests.tmux_driver import Tmux, tmux_available

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not tmux_available(), reason="tmux is not installed (.ci/run installs it)"),
]

ROOT = Path(__file__).parents[2]
COMMAND = str(Path(sys.executable).parent / "idsync-tui")


def test_edit_a_strategy_save_and_quit(tmp_path: Path) -> None:
    space = tmp_path / "space.toml"
    shutil.copyfile(ROOT / "tests" / "app" / "space.toml", space)
    before = space.read_text()
    with Tmux([COMMAND, str(space)], env={"IDSYNC_TUI_DATA_DIR": str(tmp_path / "data")}) as term:
        term.wait_for("Opened", "Test space", "three_all")  # every text at once: the header may come last
        term.send("Tab", "Enter")  # the first connection of the first audience
        term.wait_for("ID Sync  audience three_all → braze")
        term.send("Down", "Down", "Down", "A")  # a fourth `all`: refused
        term.wait_for("all refused, row 4 keeps last_added")
        term.send("F")  # first_added is allowed
        term.wait_for("row 4: first_added")
        term.send("w")
        term.wait_for("Saved")
        term.send("q")
        term.wait_exit()
    after = space.read_text()
    assert after == before.replace(
        'destination = "ga_client_id"   # stays last_added\nstrategy = "last_added"',
        'destination = "ga_client_id"   # stays last_added\nstrategy = "first_added"',
    )
    assert after != before


def test_quitting_with_unsaved_changes_asks_first(tmp_path: Path) -> None:
    space = tmp_path / "space.toml"
    shutil.copyfile(ROOT / "tests" / "app" / "space.toml", space)
    before = space.read_text()
    with Tmux([COMMAND, str(space)]) as term:
        term.wait_for("Opened")
        term.send("Tab", "Enter")
        term.wait_for("ID Sync")
        term.send("i", "q")
        term.wait_for("Unsaved changes")
        term.send("Right", "Enter")  # Quit without saving
        term.wait_exit()
    assert space.read_text() == before


def test_the_demo_opens_as_a_working_copy_and_the_packaged_file_is_untouched(tmp_path: Path) -> None:
    data = tmp_path / "data"
    packaged = ROOT / "sample_spaces" / "acme.toml"
    original = packaged.read_bytes()
    with Tmux([COMMAND], env={"IDSYNC_TUI_DATA_DIR": str(data)}) as term:
        term.wait_for("Opened", "demo copy:", "high_value")
        term.send("Tab", "Enter", "s", "w")  # an edit, saved to the working copy
        term.wait_for("Saved")
        term.send("q")
        term.wait_exit()
    copy = data / "demo" / "acme.toml"
    assert copy.read_bytes() != original
    assert packaged.read_bytes() == original
    assert (data / "demo" / "acme.profiles.jsonl").exists()


def test_a_file_that_cannot_be_parsed_says_where_and_exits_2(tmp_path: Path) -> None:
    space = tmp_path / "broken.toml"
    space.write_text('version = 1\n[space\nkey = "x"\n')
    # The shell sleeps after the exit code so that tmux does not scroll the screen with its "Pane is dead" line.
    with Tmux(["sh", "-c", f"{COMMAND} broken.toml; echo exit=$?; sleep 30"], cwd=str(tmp_path)) as term:
        screen = term.wait_for("exit=")
    assert "exit=2" in screen
    assert "IDS001 toml-syntax" in screen and "line 2" in screen
    assert "Traceback" not in screen


def test_a_large_space_opens_edits_and_saves(tmp_path: Path) -> None:
    space = tmp_path / "big.toml"
    space.write_text(generate_space(1000))  # ~1 MB, 1,000 audiences
    before = space.read_text()
    with Tmux([COMMAND, str(space)]) as term:
        term.wait_for("audience_00018", "Opened: every rule passes", "✖ 0 ⚠ 0", timeout=30)
        term.send("Tab", "Enter")  # the Facebook connection of the first audience
        term.wait_for("ID Sync  audience audience_00000 → fb", timeout=30)
        term.send("Down", "Down", "L")  # the third row (phone): first_added -> last_added
        term.wait_for("row 3: last_added", timeout=30)
        term.send("w")
        term.wait_for("Saved", timeout=30)
        term.send("q")
        term.wait_exit(timeout=30)
    expected = before.replace(
        'segment = "phone"\ndestination = "PHONE"\nstrategy = "first_added"',
        'segment = "phone"\ndestination = "PHONE"\nstrategy = "last_added"',
        1,
    )
    assert space.read_text() == expected != before
