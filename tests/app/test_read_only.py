"""`--read-only` (what `idsync-tui serve --read-only` gives each tab): the header says so, nothing is written."""

from __future__ import annotations

from pathlib import Path

from textual.screen import ModalScreen

from idsync_tui.space.document import SpaceDocument
from idsync_tui.ui.app import READ_ONLY_REFUSAL, IdSyncApp, create_app
from idsync_tui.ui.screens.dialogs import ConfirmDialog
from tests.app.apphelpers import open_connection

DEFAULTS = 2


def read_only_app(path: Path) -> IdSyncApp:
    return create_app(SpaceDocument.open(path), read_only=True)


async def test_the_header_says_read_only_and_every_save_key_is_refused(space_file: Path) -> None:
    before = space_file.read_bytes()
    app = read_only_app(space_file)
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.sub_title.startswith("read-only · ")
        await open_connection(pilot, DEFAULTS, 0)
        await pilot.press("i")  # an edit: allowed, kept in memory
        await pilot.pause()
        assert app.session.dirty and "● unsaved" in app.sub_title
        for key in ("w", "ctrl+s", "W"):
            app.say("")
            await pilot.press(key)
            await pilot.pause()
            assert app.status == (READ_ONLY_REFUSAL, True)
        app.say("")
        app.action_save()  # what the command palette's Save calls
        assert app.status == (READ_ONLY_REFUSAL, True)
        app.say("")
        app.action_save_as()  # the palette's Save as
        assert app.status == (READ_ONLY_REFUSAL, True)
        assert not isinstance(app.screen, ModalScreen)  # no file dialog was opened
    assert space_file.read_bytes() == before


async def test_quitting_offers_no_save_and_writes_nothing(space_file: Path) -> None:
    before = space_file.read_bytes()
    app = read_only_app(space_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_connection(pilot, DEFAULTS, 0)
        await pilot.press("i", "q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        labels = [str(button.label) for button in app.screen.query("Button")]
        assert labels == ["Quit, dropping them", "Cancel"]
        await pilot.press("enter")
        await pilot.pause()
    assert app.return_code == 0
    assert space_file.read_bytes() == before


async def test_the_sync_log_export_writes_no_file(space_file: Path) -> None:
    app = read_only_app(space_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("l", "E")
        await pilot.pause()
        await pilot.pause()
        assert app.status[1] and "Not exported: this session is read-only" in app.status[0]
        assert not isinstance(app.screen, ConfirmDialog)
    assert sorted(path.name for path in Path.cwd().iterdir()) == ["space.toml"]


async def test_without_read_only_the_header_does_not_say_it(space_file: Path) -> None:
    app = create_app(SpaceDocument.open(space_file))
    async with app.run_test(size=(80, 24)):
        assert "read-only" not in app.sub_title
