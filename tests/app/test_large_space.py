"""A space with more audiences than the first screenful: every row arrives, and edits update rows in place."""

from __future__ import annotations

from pathlib import Path

from textual import events
from textual.widgets import DataTable

from idsync_tui.session import Session
from idsync_tui.space.document import SpaceDocument
from idsync_tui.ui import app as ui_app
from idsync_tui.ui.app import IdSyncApp
from idsync_tui.ui.widgets.list_table import MIN_FIRST_CHUNK
from tests.app.apphelpers import cell_text, make_app

COUNT = 750  # more than the first chunk plus one more chunk of rows


def big_space(count: int) -> str:
    parts = [
        'version = 1\n\n[space]\nkey = "big"\nname = "Big"\n\n[[destinations]]\nkey = "braze"\n'
        'type = "actions"\nname = "Braze"\n'
    ]
    for i in range(count):
        parts.append(
            f'\n[[audiences]]\nkey = "a{i:04d}"\nname = "Audience {i}"\n\n'
            '[[audiences.connections]]\ndestination = "braze"\n'
        )
    return "".join(parts)


def _big_file(tmp_path: Path) -> Path:
    path = tmp_path / "big.toml"
    path.write_text(big_space(COUNT))
    return path


async def _every_row(pilot, table: DataTable) -> None:  # type: ignore[no-untyped-def, type-arg]
    """Waits (at most 2.5 s) for the list to hold every audience."""
    for _ in range(50):
        if table.row_count == COUNT:
            break
        await pilot.pause(0.05)
    assert table.row_count == COUNT


async def test_every_audience_is_listed_and_an_edit_updates_its_row_in_place(tmp_path: Path) -> None:
    app = make_app(_big_file(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.query_one("#audiences", DataTable)
        await _every_row(pilot, table)
        assert cell_text(table.get_row_at(COUNT - 1)[0]) == f"a{COUNT - 1:04d}"

        await pilot.press("ctrl+end")  # DataTable: end scrolls sideways, ctrl+end goes to the last row
        assert table.cursor_row == COUNT - 1
        await pilot.press("tab", "enter", "t", "escape")  # Track off on a default connection: sends nothing
        await pilot.pause()
        assert table.row_count == COUNT
        assert table.cursor_row == COUNT - 1
        assert cell_text(table.get_row_at(COUNT - 1)[2]) == "✖1"
        assert cell_text(table.get_row_at(COUNT - 2)[2]) == "✔"


async def test_going_to_an_audience_deep_in_the_list_before_its_rows_arrived_lands_on_it(tmp_path: Path) -> None:
    app = make_app(_big_file(tmp_path))
    async with app.run_test(size=(80, 24)):
        table = app.screen.query_one("#audiences", DataTable)
        table.clear()
        app.screen.refresh_view()  # the list from scratch: a screenful now, the rest after the screen's refreshes
        assert table.row_count < COUNT  # the rest of the list is still on its way
        deep = app.session.space.audiences[COUNT - 50]
        app.screen.focus_on(deep)  # what a jump from the problems list does
        assert table.cursor_row == COUNT - 50
        assert cell_text(table.get_row_at(table.cursor_row)[0]) == deep.key


async def test_ctrl_end_goes_to_the_last_audience_before_its_row_arrived(tmp_path: Path) -> None:
    app = make_app(_big_file(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.query_one("#audiences", DataTable)
        table.clear()
        app.screen.refresh_view()  # a screenful now, the rest after the screen's refreshes
        assert table.row_count < COUNT
        app.post_message(events.Key("ctrl+end", None))  # handled before the next chunk (pilot.press waits for idle)
        await pilot.pause()
        assert table.cursor_row == COUNT - 1
        assert cell_text(table.get_row_at(table.cursor_row)[0]) == f"a{COUNT - 1:04d}"
        app.post_message(events.Key("ctrl+home", None))
        await pilot.pause()
        assert table.cursor_row == 0


class _ReadyProbe(IdSyncApp):
    """The app, noting how many audience rows the list holds when Textual says the first frame is displayed."""

    CSS_PATH = str(Path(ui_app.__file__).with_name("idsync.tcss"))  # Textual reads a relative one beside this file
    rows_at_first_frame: int | None = None

    def on_ready(self) -> None:  # Textual runs IdSyncApp.on_ready after this one (each class's handler once)
        self.rows_at_first_frame = self.screen.query_one("#audiences", DataTable).row_count


async def test_the_rows_past_the_first_screenful_wait_for_the_first_frame(tmp_path: Path) -> None:
    # At start-up Textual runs after-refresh callbacks before it writes a frame: chunks added then made the first
    # frame of a long list wait for most of the list.
    app = _ReadyProbe(Session(SpaceDocument.open(_big_file(tmp_path))))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.query_one("#audiences", DataTable)
        assert app.rows_at_first_frame is not None
        assert 24 <= app.rows_at_first_frame <= MIN_FIRST_CHUNK + 24  # a screenful, not more
        await _every_row(pilot, table)  # and then the rest arrives
