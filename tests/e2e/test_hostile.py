"""End to end (issue 10): a hostile space and profiles file in a real terminal (tmux, 80x24).

Names hold `ESC ] 2 ; ... BEL` (retitle the terminal), `ESC ] 52 ; ...` (write the clipboard: tmux keeps it as a
paste buffer when set-clipboard is on) and `ESC [ 2 J` (clear the screen); the profiles file holds every kind of
bad line. The terminal's title and paste buffers must stay untouched, the screen must keep its text, and the app
must stay up on every screen, the Profiles screen and the sync log included.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from tests.tmux_driver import Tmux, tmux_available

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not tmux_available(), reason="tmux is not installed (.ci/run installs it)"),
]

ROOT = Path(__file__).parents[2]
COMMAND = str(Path(sys.executable).parent / "idsync-tui")


def _profile(pid: str, added: str = "2024-01-01T10:00:00Z", value: str = "a@b.c") -> str:
    return json.dumps(
        {"id": pid, "traits": {"plan": "pro"}, "identifiers": [{"type": "email", "value": value, "added_at": added}]}
    )


BAD_LINES = [
    _profile("p-bad-day", added="2024-02-30T10:00:00Z"),
    _profile("p-hour-24", added="2024-02-03T24:00:00Z"),
    _profile("p-year-1", added="0001-01-01T00:00:00+01:00"),
    '{"profile": "p-good", "at": "9999-12-31T23:59:59-01:00", "traits": {"plan": "x"}}',
    '{"id": "p-deep", "traits": {"t": ' + "[" * 10_000 + "]" * 10_000 + "}}",
    '{"id": "p-\\ud800", "identifiers": []}',
    '{"id": "p-digits", "traits": {"n": ' + "9" * 5000 + "}}",
    _profile("p-good", added="2030-01-01T10:00:00Z"),  # a repeated id
    _profile("p-\x1b]2;PROFILE-TITLE\x07", value="x\x1b]52;c;aGk=\x07@b.c"),
]


def test_a_hostile_space_and_profiles_file_neither_inject_nor_crash(tmp_path: Path) -> None:
    text = (ROOT / "tests" / "app" / "space.toml").read_text()
    text = text.replace('name = "Test space"', 'name = "Test \\u001b]2;PWNED-TITLE\\u0007 [/] space"', 1)
    text = text.replace('name = "Facebook"', 'name = "Face\\u001b]52;c;aGVsbG8=\\u0007book\\u001b[2J"', 1)
    text = text.replace('name = "Three all"', 'name = "Three [/] all"', 1)
    text = text.replace('key = "test-space"', 'key = "test-space"\nprofiles = "people.jsonl"', 1)
    space = tmp_path / "space.toml"
    space.write_text(text)
    lines = ["\ufeff// a BOM before a comment", _profile("p-good"), *BAD_LINES]
    (tmp_path / "people.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")
    shutil.copyfile(space, tmp_path / "before.toml")
    with Tmux([COMMAND, str(space)], env={"IDSYNC_TUI_DATA_DIR": str(tmp_path / "data")}) as term:
        term._tmux("set-option", "-g", "set-clipboard", "on", check=False)
        title = term._tmux("display-message", "-p", "-t", "main", "#{pane_title}").stdout
        term.wait_for("Opened", "Three [/] all")
        term.send("3")
        term.wait_for("Face\\x1b]52;c;aGVsbG8=\\x07book\\x1b[2J", "Spare function")
        term.send("4")  # the Profiles screen reads the bad lines
        term.wait_for("p-good")
        term.send("l")  # the sync log runs the simulator over them
        term.wait_for("p-good")
        term.send("1")
        screen = term.wait_for("Three [/] all", "Test \\x1b]2;PWNED-TITLE\\x07 [/] space")
        assert "PWNED" not in term._tmux("display-message", "-p", "-t", "main", "#{pane_title}").stdout
        assert term._tmux("display-message", "-p", "-t", "main", "#{pane_title}").stdout == title
        assert term._tmux("list-buffers", check=False).stdout.strip() == ""  # nothing reached the clipboard
        assert "Opened" in screen or "Three" in screen  # the screen was not cleared
        assert not term.exited()
        term.send("q")
        term.wait_exit()
    assert space.read_text() == (tmp_path / "before.toml").read_text()
