"""Issue 12 end to end: the installed command in tmux, as a new user at 80x24 (and 60x20) would meet it."""

from __future__ import annotations

import re
import shutil
import sys
import time
from pathlib import Path

import pytest

from tests.tmux_driver import Tmux, tmux_available

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not tmux_available(), reason="tmux is not installed (.ci/run installs it)"),
]

ROOT = Path(__file__).parents[2]
COMMAND = str(Path(sys.executable).parent / "idsync-tui")
SGR = re.compile(r"\x1b\[([0-9;:]*)m")


def colours_and_styles(styled: str) -> tuple[set[str], set[str]]:
    """The colours (`38;5;16`, `31`, `48;2;0;0;0`...) and the text styles (`bold`, `reverse`...) a screen uses."""
    colours: set[str] = set()
    styles: set[str] = set()
    names = {1: "bold", 2: "dim", 3: "italic", 4: "underline", 7: "reverse"}
    for match in SGR.finditer(styled):
        params = [int(p) if p.isdigit() else 0 for p in re.split("[;:]", match.group(1) or "0")]
        i = 0
        while i < len(params):
            p = params[i]
            if p in (38, 48, 58) and i + 1 < len(params):
                size = 3 if params[i + 1] == 5 else 5
                colours.add(";".join(map(str, params[i : i + size])))
                i += size
                continue
            if 30 <= p <= 37 or 40 <= p <= 47 or 90 <= p <= 97 or 100 <= p <= 107:
                colours.add(str(p))
            elif p in names:
                styles.add(names[p])
            i += 1
    return colours, styles


@pytest.mark.parametrize("term", ["xterm-256color", "linux"])
def test_no_color_draws_in_the_terminals_own_colours_with_reverse_and_bold_for_emphasis(
    tmp_path: Path, term: str
) -> None:
    space = tmp_path / "space.toml"
    shutil.copyfile(ROOT / "tests" / "app" / "space.toml", space)
    with Tmux([COMMAND, str(space)], env={"NO_COLOR": "1", "TERM": term}) as tmux:
        tmux.wait_for("Opened", "Test space", "three_all")
        for keys, wait in (((), "three_all"), (("Tab", "Enter"), "ID Sync"), (("Enter",), "Strategy:")):
            tmux.send(*keys)
            tmux.wait_for(wait)
            deadline = time.monotonic() + 10
            while True:  # the screen is drawn in several writes: read it until the cursor (reverse) is there
                colours, styles = colours_and_styles(tmux.styled_screen())
                # No cell names a colour: every one is the terminal's default foreground on its default
                # background, so nothing can come out black on black.
                assert colours == set(), f"colours drawn with NO_COLOR set ({term}): {sorted(colours)}"
                if {"reverse", "bold"} <= styles or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            assert {"reverse", "bold"} <= styles  # the cursor and the emphasis still show


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
def test_the_unsaved_marker_and_the_counts_always_show_the_path_is_shortened_in_the_middle(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    folder = tmp_path / "a-rather-long-folder-name" / "that-keeps-going" / "and-going"
    folder.mkdir(parents=True)
    space = folder / "space.toml"
    shutil.copyfile(ROOT / "tests" / "app" / "space.toml", space)
    width, height = size
    with Tmux([COMMAND, str(space)], width=width, height=height) as tmux:
        tmux.wait_for("Opened", "Test space", "three_all")
        tmux.send("Tab", "Enter", "i")  # an edit: Send Identify on
        screen = tmux.wait_for("● unsaved", "send_identify: on")
        header, nav = screen.splitlines()[:2]
        assert header.rstrip().endswith("● unsaved")
        assert "…" in header and "space.toml" in header  # the middle of the path gives way, not its file name
        assert "✖ 0" in nav and "⚠ 2" in nav and nav.rstrip().endswith("p")


def test_keys_typed_in_one_burst_are_never_lost(tmp_path: Path) -> None:
    """`a`, a key, tab, a name, enter as one tmux send-keys: the dialog takes what was typed before it opened."""
    space = tmp_path / "space.toml"
    shutil.copyfile(ROOT / "tests" / "app" / "space.toml", space)
    with Tmux([COMMAND, str(space)]) as tmux:
        tmux.wait_for("Opened", "Test space", "three_all")
        tmux.type("anew_aud\tNew audience\r")  # one write: every key arrives before the dialog is drawn
        tmux.wait_for("audience new_aud added")
        tmux.type("1\t\ri")  # screen key, tab to the connections, open the editor, turn Send Identify on
        tmux.wait_for("ID Sync  audience three_all → braze", "send_identify: on")
        tmux.type("w")
        tmux.wait_for("Saved")
        tmux.type("p\r")  # the problems list, and enter on its first problem before it is drawn
        tmux.wait_for("ID Sync  audience defaults → braze", "IDS201:")
    text = space.read_text()
    assert 'key = "new_aud"\nname = "New audience"' in text
    assert "send_identify = true" in text
