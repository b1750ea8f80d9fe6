"""The sync log pane in the screen (issue 12: 5, 6, 13, 15): it never pushes the navigation bar or the editor's
header off (80x24 after `G` or a filter, 60x20 after `l`), it uses a tall terminal's space, a filter set is always
shown (and said when a new run keeps it), and export asks where (beside the space file) and before replacing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from textual.widgets import Input

from idsync_tui.ui.screens.dialogs import ConfirmDialog, FormDialog
from idsync_tui.ui.synclog.log import SyncLog
from idsync_tui.ui.synclog.pane import EventList, LogPane
from idsync_tui.ui.widgets.frame import NavBar, StatusLine
from tests.app.apphelpers import make_app

SAMPLES = Path(__file__).resolve().parents[2] / "sample_spaces"


@pytest.fixture
def acme(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo space in a folder of its own (`spaces/`), the app started from the folder above it."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "spaces").mkdir()
    for name in ("acme.toml", "acme.profiles.jsonl"):
        shutil.copyfile(SAMPLES / name, tmp_path / "spaces" / name)
    return Path("spaces/acme.toml")


async def settle(pilot, log: SyncLog) -> None:  # type: ignore[no-untyped-def]
    for _ in range(400):
        await pilot.pause(0.05)
        if log.state in ("done", "error"):
            break
    await pilot.pause(0.1)
    assert log.state == "done", (log.state, log.message)


def assert_in_place(app, what: str) -> None:  # type: ignore[no-untyped-def]
    """Nothing scrolled off: the navigation bar under the header, the pane ending on the status line, all shown."""
    screen = app.screen
    nav = screen.query_one(NavBar)
    pane = screen.query_one(LogPane)
    status = screen.query_one(StatusLine)
    assert screen.scroll_offset.y == 0 and screen.max_scroll_y == 0, (what, screen.max_scroll_y)
    assert nav.region.y == 1 and nav.region.height == 1, (what, nav.region)
    assert pane.display and pane.region.height >= 2, (what, pane.region)
    assert pane.region.bottom == status.region.y and status.region.bottom == app.size.height - 1, (what, pane.region)


async def test_the_pane_takes_the_space_left_at_80x24_after_G_and_a_filter(acme: Path) -> None:
    app = make_app(acme)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("l")
        await settle(pilot, SyncLog.of(app))
        assert_in_place(app, "l")
        await pilot.press("G")
        await pilot.pause()
        assert_in_place(app, "G")
        await pilot.press("slash", *"p-0001", "enter")
        await pilot.pause()
        assert_in_place(app, "filter")
        assert app.screen.query_one("#log-filter", Input).region.height == 1


async def test_the_editor_header_stays_put_with_the_log_open_and_taller(acme: Path) -> None:
    app = make_app(acme)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("tab", "enter", "l")  # high_value → fb in the ID Sync editor, the log under it
        await settle(pilot, SyncLog.of(app))
        title = app.screen.query_one("#title")
        for keys in ((), ("G",), ("slash", *"p-00", "enter")):
            await pilot.press(*keys)
            await pilot.pause()
            assert_in_place(app, str(keys))
            assert title.region.y == 2 and "fb" in str(title.render())


async def test_at_60x20_opening_the_log_pushes_nothing_off(acme: Path) -> None:
    app = make_app(acme)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.press("l")
        await settle(pilot, SyncLog.of(app))
        assert_in_place(app, "audiences")
        await pilot.press("escape", "tab", "enter", "l")
        await pilot.pause()
        assert_in_place(app, "editor")
        assert app.screen.query_one("#title").region.y == 2
        await pilot.press("G")
        await pilot.pause()
        assert_in_place(app, "editor, G")
        assert app.screen.query_one(EventList).region.height >= 3  # taller: the rows table gives up its minimum


async def test_at_200x60_the_pane_uses_the_space(acme: Path) -> None:
    app = make_app(acme)
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.press("3", "l")  # the whole space: more rows than any pane height
        log = SyncLog.of(app)
        await settle(pilot, log)
        rows = app.screen.query_one(EventList)
        assert_in_place(app, "200x60")
        assert rows.region.height >= 20  # not 8 lines under a screenful of blank
        drawn = [rows.render_line(y).text.strip() for y in range(rows.region.height)]
        assert all(drawn), "every line of the pane shows a row"
        await pilot.press("G")
        await pilot.pause()
        assert_in_place(app, "200x60 G")
        assert rows.region.height >= 36


async def test_a_filter_set_stays_shown_under_every_screen_and_a_new_run_says_it_keeps_it(acme: Path) -> None:
    app = make_app(acme)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("l")
        log = SyncLog.of(app)
        await settle(pilot, log)
        await pilot.press("slash", *"p-0001", "enter")
        pane = app.screen.query_one(LogPane)
        assert "p-0001" in pane.header().plain
        await pilot.press("escape", "3")  # another screen: its pane shows the same log, filter included
        await pilot.pause()
        other = app.screen.query_one(LogPane)
        assert other is not pane and other.display
        field = other.query_one("#log-filter", Input)
        assert field.display and field.value == "p-0001" and field.region.height == 1
        assert "filter “p-0001”" in other.header().plain
        await pilot.press("l", "N")  # a run for the whole space: the filter is kept, and the status line says so
        await settle(pilot, log)
        assert app.status[0].startswith("Filter “p-0001” kept for space")
        rows = [log.ring.row(i)[0] for i in range(log.ring.shown)]
        assert rows and all("p-0001" in row for row in rows)
        assert "filter “p-0001”" in other.header().plain
        await pilot.press("slash", "escape")  # escape in the field clears it, everywhere
        await pilot.pause()
        assert not field.display and "filter" not in other.header().plain and log.ring.shown == len(log.ring)


async def test_export_asks_where_beside_the_space_file_and_before_replacing(acme: Path) -> None:
    app = make_app(acme)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("l")
        log = SyncLog.of(app)
        await settle(pilot, log)
        await pilot.press("E")
        dialog = app.screen
        assert isinstance(dialog, FormDialog)
        assert dialog.query_one("#field-path", Input).value == "spaces/acme.sync-log.jsonl"
        await pilot.press("enter")
        target = Path("spaces/acme.sync-log.jsonl")
        first = target.read_text()
        assert first.count("\n") == log.events and not Path("acme.sync-log.jsonl").exists()
        await pilot.press("slash", *"p-0001", "enter", "E", "enter")  # the same file again: asked first
        question = app.screen
        assert isinstance(question, ConfirmDialog) and "spaces/acme.sync-log.jsonl exists" in question.body
        await pilot.press("escape")  # no: the file is left as it was
        await pilot.pause()
        assert target.read_text() == first and not isinstance(app.screen, ConfirmDialog)
        await pilot.press("E", "enter", "enter")  # yes (Replace is the first button)
        await pilot.pause()
        shown = list(log.ring.export_lines())
        assert target.read_text().splitlines() == shown and 0 < len(shown) < log.events
        assert app.status == (f"Exported {len(shown)} events to spaces/acme.sync-log.jsonl", False)
        assert sorted(p.name for p in Path("spaces").iterdir()) == [
            "acme.profiles.jsonl",
            "acme.sync-log.jsonl",
            "acme.toml",
        ]  # no temporary file left beside it
