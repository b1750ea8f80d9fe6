"""Saving and history: errors block saving, warnings do not, on-disk conflicts, the diff, undo / redo, quitting."""

from __future__ import annotations

from pathlib import Path

from idsync_tui.ui.screens.dialogs import ConfirmDialog, ProblemsDialog, TextDialog
from tests.app.apphelpers import changed_lines, choose, make_app, open_connection, rows_of

THREE_ALL, LISTS, DEFAULTS = 0, 1, 2


async def make_error(pilot) -> None:  # type: ignore[no-untyped-def]
    """Map ios.idfa on the Facebook connection while Send Mobile IDs is off (IDS104)."""
    await open_connection(pilot, LISTS, 0)
    await pilot.press("enter")
    await choose(pilot, "ios.idfa")
    await pilot.press("tab", "tab", "tab", "enter")
    await pilot.pause()


async def test_errors_block_saving_and_the_dialog_jumps_to_one(space_file: Path) -> None:
    before = space_file.read_text()
    app = make_app(space_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await make_error(pilot)
        await pilot.press("escape", "w")
        await pilot.pause()
        assert isinstance(app.screen, ProblemsDialog)
        assert "Saving is blocked by 1 error" in app.screen.title_text
        assert [p.code for p in app.screen.problems] == ["IDS104"]
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.conn_path == ("audiences", LISTS, "connections", 0)
        assert "Not saved" not in app.status[0] and "IDS104" in app.status[0]
    assert space_file.read_text() == before


async def test_warnings_do_not_block_saving(space_file: Path) -> None:
    app = make_app(space_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_connection(pilot, DEFAULTS, 0)
        await pilot.press("i", "w")
        await pilot.pause()
        assert app.session.counts == (0, 2)
        assert app.status[0].startswith("Saved ")
        assert not app.session.dirty
    assert "send_identify = true" in space_file.read_text()


async def test_a_file_changed_on_disk_offers_cancel_first_then_overwrite_and_reload(space_file: Path) -> None:
    app = make_app(space_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_connection(pilot, DEFAULTS, 0)
        await pilot.press("i")
        theirs = space_file.read_text().replace('name = "Test space"', 'name = "Renamed by a colleague"')
        space_file.write_text(theirs)

        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog) and "changed on disk" in app.screen.title_text
        await pilot.press("enter")  # Cancel: what enter does, so it never throws anything away
        await pilot.pause()
        assert space_file.read_text() == theirs and app.session.dirty
        assert app.session.space.audiences[DEFAULTS].connections[0].send_identify

        await pilot.press("w")
        await pilot.pause()
        await pilot.press("left", "enter")  # Overwrite
        await pilot.pause()
        mine = space_file.read_text()
        assert "send_identify = true" in mine and "Renamed by a colleague" not in mine
        assert not app.session.dirty


async def test_reload_drops_the_edits_and_reads_the_file_again(space_file: Path) -> None:
    app = make_app(space_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_connection(pilot, DEFAULTS, 0)
        await pilot.press("i")
        theirs = space_file.read_text().replace('name = "Test space"', 'name = "Renamed by a colleague"')
        space_file.write_text(theirs)
        await pilot.press("w")
        await pilot.pause()
        await pilot.press("left", "left", "enter")  # Reload…: asks again, and enter there is Cancel too
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog) and "drop your edits" in app.screen.title_text
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog) and "changed on disk" in app.screen.title_text  # back
        assert app.session.dirty and app.session.space.name == "Test space"
        await pilot.press("left", "left", "enter", "left", "enter")  # Reload…, then Reload, drop my edits
        await pilot.pause()
        assert app.session.space.name == "Renamed by a colleague"
        assert not app.session.dirty
        assert "Reloaded" in app.status[0]
    assert space_file.read_text() == theirs


async def test_in_a_conflict_the_diff_shows_their_change_and_what_saving_would_overwrite(space_file: Path) -> None:
    app = make_app(space_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_connection(pilot, DEFAULTS, 0)
        await pilot.press("i")
        theirs = space_file.read_text().replace('name = "Test space"', 'name = "Renamed by a colleague"')
        space_file.write_text(theirs)
        await pilot.press("w")
        await pilot.pause()
        await pilot.press("left", "left", "left", "enter")  # Diff
        await pilot.pause()
        assert isinstance(app.screen, TextDialog)
        shown = app.screen.body.plain  # type: ignore[union-attr]
        mine, overwrite = shown.split("What Overwrite would do")
        assert '-name = "Test space"' in mine and '+name = "Renamed by a colleague"' in mine
        assert "send_identify" not in mine
        assert '-name = "Renamed by a colleague"' in overwrite and '+name = "Test space"' in overwrite
        assert "+send_identify = true" in overwrite
        await pilot.press("escape")  # back to the question
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog) and "changed on disk" in app.screen.title_text
        await pilot.press("escape", "v")  # v, later, shows the same two sides while the conflict lasts
        await pilot.pause()
        assert isinstance(app.screen, TextDialog) and "What Overwrite would do" in app.screen.body.plain  # type: ignore[union-attr]
    assert space_file.read_text() == theirs


async def test_the_diff_shows_what_saving_would_write(space_file: Path) -> None:
    app = make_app(space_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_connection(pilot, THREE_ALL, 0)
        await pilot.press("down", "down", "down", "F", "v")
        await pilot.pause()
        assert isinstance(app.screen, TextDialog)
        shown = app.screen.body.plain
        assert '-strategy = "last_added"' in shown and '+strategy = "first_added"' in shown


async def test_undo_and_redo_cover_every_edit_with_both_keys(space_file: Path) -> None:
    before = space_file.read_text()
    app = make_app(space_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_connection(pilot, THREE_ALL, 0)
        await pilot.press("down", "down", "down", "F", "i", "d")
        assert [row[1] for row in rows_of(app)] == ["email", "user_id", "phone (custom)"]
        await pilot.press("ctrl+z")
        assert rows_of(app)[3][3] == "first_added"
        await pilot.press("u", "u")
        assert rows_of(app)[3][3] == "last_added" and not app.session.space.audiences[0].connections[0].send_identify
        assert not app.session.dirty
        await pilot.press("ctrl+y", "U")
        assert rows_of(app)[3][3] == "first_added"
        await pilot.press("u", "u", "w")
        await pilot.pause()
    assert space_file.read_text() == before


async def test_quitting_with_unsaved_changes_asks(space_file: Path) -> None:
    before = space_file.read_text()
    app = make_app(space_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_connection(pilot, DEFAULTS, 0)
        await pilot.press("i", "q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog) and app.screen.title_text == "Unsaved changes"
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running and app.session.dirty
        await pilot.press("q", "right", "enter")  # Quit without saving
        await pilot.pause()
    assert app.return_code == 0
    assert space_file.read_text() == before


async def test_save_and_quit_writes_then_exits(space_file: Path) -> None:
    before = space_file.read_text()
    app = make_app(space_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_connection(pilot, DEFAULTS, 0)
        await pilot.press("i", "q", "enter")
        await pilot.pause()
    assert changed_lines(before, space_file.read_text()) == ["+ send_identify = true"]
