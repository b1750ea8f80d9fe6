"""`idsync-tui serve` in a real browser (headless Chromium): the app works there as in a terminal, saving included."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from idsync_tui import cli

from .conftest import Served, Terminal

pytestmark = pytest.mark.browser

SPACE = Path(__file__).parents[1] / "app" / "space.toml"
STAYS = 'destination = "ga_client_id"   # stays last_added\nstrategy = "{}"'

Serve = Callable[..., Served]
OpenTab = Callable[..., Terminal]


def copy_space(tmp_path: Path) -> Path:
    space = tmp_path / "space.toml"
    shutil.copyfile(SPACE, space)
    return space


def test_edit_a_strategy_see_a_refusal_and_save_from_the_browser(
    tmp_path: Path, serve: Serve, open_tab: OpenTab
) -> None:
    space = copy_space(tmp_path)
    before = space.read_text()
    served = serve(str(space))
    term = open_tab(served.url)
    screen = term.wait_for("Audiences", "three_all", "Opened")
    assert "Test space" in screen
    term.press("Tab", "Enter")  # the first connection of the first audience, from the keyboard
    term.wait_for("audience three_all → braze")
    term.press("ArrowDown", "ArrowDown", "ArrowDown", "Shift+A")  # a fourth `all`: refused
    term.wait_for("all refused, row 4 keeps last_added")
    term.press("Shift+F")  # first_added is allowed
    term.wait_for("row 4: first_added")
    term.press("w")
    term.wait_for(f"Saved {space}")
    after = space.read_text()
    assert after == before.replace(STAYS.format("last_added"), STAYS.format("first_added"))
    term.press("q")  # the tab's app process ends; the page says so
    term.page.wait_for_selector("body.-closed", timeout=30_000)


def test_read_only_says_so_and_refuses_to_save(tmp_path: Path, serve: Serve, open_tab: OpenTab) -> None:
    space = copy_space(tmp_path)
    before = space.read_bytes()
    served = serve(str(space), "--read-only")
    term = open_tab(served.url)
    term.wait_for("read-only ·", "Opened")
    term.press("Tab", "Enter")
    term.wait_for("audience three_all → braze")
    term.press("i")  # an edit: allowed, shown, never written
    term.wait_for("send_identify: on")
    term.press("w")
    term.wait_for("Not saved: this session is read-only")
    term.press("q")
    term.wait_for("Quit, dropping them")
    term.press("Enter")
    term.page.wait_for_selector("body.-closed", timeout=30_000)
    assert space.read_bytes() == before


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.05)  # polling the file system for a condition, bounded by the deadline


def test_each_tab_demos_its_own_scratch_copy_removed_when_it_closes(
    tmp_path: Path, serve: Serve, open_tab: OpenTab
) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    data = tmp_path / "data"
    served = serve(env={"TMPDIR": str(scratch), "IDSYNC_TUI_DATA_DIR": str(data)})
    first = open_tab(served.url, width=1400)  # wide enough for the whole path on the status line
    first.wait_for("demo copy:", "high_value", "Opened")
    second = open_tab(served.url)
    second.wait_for("demo copy:", "high_value", "Opened")
    copies = sorted(scratch.iterdir())
    assert len(copies) == 2 and all((copy / "acme.toml").exists() for copy in copies)
    bundled = (Path(cli.__file__).parent / "demo" / "acme.toml").read_bytes()

    first.press("Tab", "Enter")
    first.wait_for("ID Sync")
    first.press("s", "w")  # an edit, saved in the first tab's own copy
    saved = first.wait_for("Saved ")
    (changed,) = [copy for copy in copies if (copy / "acme.toml").read_bytes() != bundled]
    assert f"Saved {changed / 'acme.toml'}" in saved
    (untouched,) = [copy for copy in copies if copy != changed]
    assert (untouched / "acme.toml").read_bytes() == bundled
    assert not data.exists()  # the terminal app's working copy is not used

    first.page.context.close()  # closing a tab ends its app, and its copy goes with it
    wait_until(lambda: not changed.exists(), f"{changed} removed after its tab closed")
    assert untouched.exists()
    second.page.context.close()
    wait_until(lambda: not untouched.exists(), f"{untouched} removed after its tab closed")


def test_the_sync_log_runs_in_the_browser(tmp_path: Path, serve: Serve, open_tab: OpenTab) -> None:
    served = serve(env={"TMPDIR": str(tmp_path)})
    term = open_tab(served.url, width=1000, height=600)
    term.wait_for("high_value", "Opened")
    term.press("l")  # the sync log: the simulator in its child process, for the audience highlighted
    screen = term.wait_for("audience high_value", "v1 high_value")  # event rows: time, config version, source
    assert "+ add" in screen


def test_text_fields_delete_a_word_without_ctrl_w(tmp_path: Path, serve: Serve, open_tab: OpenTab) -> None:
    served = serve(env={"TMPDIR": str(tmp_path)})
    term = open_tab(served.url, width=1000, height=600)
    term.wait_for("high_value", "Opened")
    term.press("r")  # rename: a dialog whose first field (the key) has the focus
    term.wait_for("Rename audience high_value", "Cancel")
    term.type("kept qqqq")  # replaces the selected key
    term.wait_for("kept qqqq")
    term.press("Alt+Backspace")  # the browser keeps ctrl+w (it closes the tab)
    screen = term.wait_for_absent("qqqq")
    assert "█ kept " in screen
    term.press("Escape")
    term.wait_for_absent("Rename audience")


FIRST_ROW_HTML = "() => document.querySelector('.xterm-rows').children[0].innerHTML"


def test_replay_profiles_and_themes_work_in_the_browser(tmp_path: Path, serve: Serve, open_tab: OpenTab) -> None:
    served = serve(env={"TMPDIR": str(tmp_path)})
    term = open_tab(served.url, width=1000, height=600)
    term.wait_for("high_value", "Opened")
    term.press("l")
    term.wait_for("v1 high_value")
    term.press("Shift+R")  # replay: the profiles' change lines on a simulated clock
    term.wait_for("Replay: change lines play", "▶ ")
    term.press("Shift+R")
    term.wait_for("Replay stopped")
    term.press("4")  # the Profiles screen
    term.wait_for("60 profiles", "p-0001")
    before = term.page.evaluate(FIRST_ROW_HTML)
    term.press(":")  # the command palette without ctrl+p (a browser may keep it)
    term.wait_for("Search for commands")
    term.type("theme")
    term.wait_for("Change the current theme")
    term.press("Enter")
    term.type("idsync-light")
    term.press("Enter")
    term.wait_for_absent("Search for")  # the palette is closed: the screen is the Profiles screen again
    term.page.wait_for_function(f"(before) => ({FIRST_ROW_HTML})() !== before", arg=before, timeout=30_000)
