"""`idsync-tui serve` in a real browser (headless Chromium): the app works there as in a terminal, saving included."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

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
